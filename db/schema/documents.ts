import { pgTable, text, uuid, integer, index } from 'drizzle-orm/pg-core';
import { bytea, id, timestamps } from './columns';
import { patients } from './patients';
import { users } from './identity';

export const documentKinds = ['lab_report', 'imaging', 'referral', 'consent', 'photo', 'other'] as const;

/** Metadata of an uploaded PDF or image. The bytes live in `document_contents`, encrypted. */
export const documents = pgTable(
	'documents',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		title: text('title').notNull(),
		kind: text('kind').$type<(typeof documentKinds)[number]>().notNull().default('other'),
		contentType: text('content_type').notNull(),
		byteSize: integer('byte_size').notNull(),
		/** SHA-256 of the plaintext, hex: lets an export prove the file is the one uploaded. */
		sha256: text('sha256').notNull(),
		uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [index('documents_patient_idx').on(t.patientId)]
);

/**
 * Encrypted bytes, kept in the database so a document and its metadata commit together and a
 * database backup is a complete backup. AES-256-GCM; `key_id` names the key for rotation.
 */
export const documentContents = pgTable('document_contents', {
	documentId: uuid('document_id')
		.primaryKey()
		.references(() => documents.id, { onDelete: 'cascade' }),
	keyId: text('key_id').notNull(),
	nonce: bytea('nonce').notNull(),
	ciphertext: bytea('ciphertext').notNull()
});

export type Document = typeof documents.$inferSelect;
export type NewDocument = typeof documents.$inferInsert;
export type DocumentContent = typeof documentContents.$inferSelect;
