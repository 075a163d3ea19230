import { and, asc, desc, eq, lt, lte } from 'drizzle-orm';
import * as Y from 'yjs';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { docUpdates, users, type DocUpdateOrigin } from '../../../../db/schema/index';
import { parseDocumentName, type CollabDocumentRef } from '../../collab/document-names';
import { restoreDocumentContent } from '../../collab/document-shape';
import type { Actor } from '../access/actor';
import { authorizeDocument } from '../access/document-access';
import { NotFound } from '../access/errors';
import { changeDocument } from './document-writer';

/**
 * The history of a collaborative document, read from its log: who changed which parts when,
 * any earlier version, and restoring one (as a new change by the restorer, never a rewrite of
 * the log). Each call goes through the access module, which audits it.
 */

export interface HistoryEntry {
	/** The last log row of this entry: view or restore "as it was after this". */
	seq: number;
	/** The first log row of this entry. */
	fromSeq: number;
	authorName: string;
	authorRole: string | null;
	origin: DocUpdateOrigin;
	parts: string[];
	/** When the entry's last change was made. */
	at: string;
	changes: number;
}

export const documentNameSchema = z
	.string()
	.max(200)
	.refine((name) => parseDocumentName(name) !== null, 'Not a document name.');

export const historyQuerySchema = z.object({
	document: documentNameSchema,
	before: z.coerce.number().int().positive().optional()
});

export const versionQuerySchema = z.object({
	document: documentNameSchema,
	seq: z.coerce.number().int().positive()
});

/** A version number that is not one of the document's (a 400: the document itself exists). */
export class UnknownVersion extends Error {
	constructor() {
		super('That version is not in this document’s history.');
		this.name = 'UnknownVersion';
	}
}

/** Consecutive changes by one person within this gap show as one entry. */
const groupGapMs = 60_000;
const rowsPerPage = 400;

export async function listDocumentHistory(
	db: Database,
	actor: Actor,
	documentName: string,
	before?: number
): Promise<{ entries: HistoryEntry[]; nextBefore: number | null }> {
	await authorizeDocument(db, actor, refOf(documentName), 'history');
	const rows = await db
		.select({
			seq: docUpdates.seq,
			authorUserId: docUpdates.authorUserId,
			authorName: users.displayName,
			authorRole: users.role,
			origin: docUpdates.origin,
			parts: docUpdates.parts,
			createdAt: docUpdates.createdAt
		})
		.from(docUpdates)
		.leftJoin(users, eq(users.id, docUpdates.authorUserId))
		.where(and(eq(docUpdates.documentName, documentName), before ? lt(docUpdates.seq, before) : undefined))
		.orderBy(desc(docUpdates.seq))
		.limit(rowsPerPage + 1);
	const more = rows.length > rowsPerPage;
	const page = rows.slice(0, rowsPerPage);
	const entries: HistoryEntry[] = [];
	let groupAuthor: string | null | undefined;
	let earliest = Infinity;
	for (const row of page) {
		const last = entries.at(-1);
		const at = row.createdAt.getTime();
		if (last && groupAuthor === row.authorUserId && last.origin === row.origin && earliest - at <= groupGapMs) {
			last.fromSeq = Number(row.seq);
			last.changes += 1;
			for (const part of row.parts) if (!last.parts.includes(part)) last.parts.push(part);
		} else {
			groupAuthor = row.authorUserId;
			entries.push({
				seq: Number(row.seq),
				fromSeq: Number(row.seq),
				authorName: row.authorName ?? authorFallback(row.origin),
				authorRole: row.authorRole ?? null,
				origin: row.origin,
				parts: [...row.parts],
				at: row.createdAt.toISOString(),
				changes: 1
			});
		}
		earliest = at;
	}
	// A group cut by the page end continues on the next page as its own entry; that is fine.
	return { entries, nextBefore: more ? Number(page.at(-1)!.seq) : null };
}

function authorFallback(origin: DocUpdateOrigin): string {
	if (origin === 'seed') return 'Created from the existing record';
	if (origin === 'server') return 'ClinicSync';
	return 'A former user';
}

/** The document's state right after log row `seq`, as one Yjs update. */
export async function documentVersion(db: Database, actor: Actor, documentName: string, seq: number): Promise<Uint8Array> {
	await authorizeDocument(db, actor, refOf(documentName), 'history');
	const version = await documentStateAt(db, documentName, seq);
	if (!version) throw new UnknownVersion();
	const update = Y.encodeStateAsUpdate(version);
	version.destroy();
	return update;
}

/** Makes the live document look as it did after `seq`, as a new change by `actor`. */
export async function restoreDocumentVersion(db: Database, actor: Actor, documentName: string, seq: number): Promise<void> {
	const ref = refOf(documentName);
	await authorizeDocument(db, actor, ref, 'restore');
	const version = await documentStateAt(db, documentName, seq);
	if (!version) throw new UnknownVersion();
	try {
		await changeDocument(documentName, actor, (doc) => restoreDocumentContent(ref.kind, doc, version), 'restore');
	} finally {
		version.destroy();
	}
}

/**
 * The document as it was right after log row `seq`: every row up to it replayed in order. The
 * log keeps every row (it is the attributed history), so any earlier version can be rebuilt.
 */
export async function documentStateAt(db: Database, documentName: string, seq: number): Promise<Y.Doc | null> {
	const rows = await db
		.select({ update: docUpdates.update, seq: docUpdates.seq })
		.from(docUpdates)
		.where(and(eq(docUpdates.documentName, documentName), lte(docUpdates.seq, seq)))
		.orderBy(asc(docUpdates.seq));
	if (rows.length === 0 || Number(rows.at(-1)!.seq) !== seq) return null;
	const doc = new Y.Doc();
	doc.transact(() => {
		for (const row of rows) Y.applyUpdate(doc, row.update);
	});
	return doc;
}

function refOf(documentName: string): CollabDocumentRef {
	const ref = parseDocumentName(documentName);
	if (!ref) throw new NotFound('That document does not exist.');
	return ref;
}
