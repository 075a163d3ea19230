import { bigserial, bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from './columns';
import { users } from './identity';

export const docUpdateOrigins = ['client', 'server', 'seed', 'restore'] as const;
export type DocUpdateOrigin = (typeof docUpdateOrigins)[number];

/**
 * The write-ahead log of every collaborative document: each accepted Yjs update, appended
 * before its sender is told it is saved. Rows are never rewritten: they are the attributed
 * history (who changed which parts when) and the source for any earlier version. Loading reads
 * the latest snapshot plus the rows after it.
 */
export const docUpdates = pgTable(
	'doc_updates',
	{
		seq: bigserial('seq', { mode: 'number' }).primaryKey(),
		documentName: text('document_name').notNull(),
		update: bytea('update').notNull(),
		authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
		origin: text('origin').$type<DocUpdateOrigin>().notNull(),
		/** Which parts of the document changed (e.g. 'allergies', 'note'), for the history panel. */
		parts: text('parts').array().notNull().default([]),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('doc_updates_document_seq_idx').on(t.documentName, t.seq)]
);

/** The merged state of a document up to a log position, so loading does not replay the whole log. */
export const docSnapshots = pgTable('doc_snapshots', {
	documentName: text('document_name').primaryKey(),
	state: bytea('state').notNull(),
	/** Every log row of this document with seq ≤ uptoSeq is contained in `state`. */
	uptoSeq: bigint('upto_seq', { mode: 'number' }).notNull(),
	byteSize: integer('byte_size').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
});

export type DocUpdate = typeof docUpdates.$inferSelect;
export type NewDocUpdate = typeof docUpdates.$inferInsert;
export type DocSnapshot = typeof docSnapshots.$inferSelect;
