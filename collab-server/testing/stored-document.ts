/**
 * A collaborative document as the database holds it, read directly (not through the server):
 * the latest snapshot plus every log row after it, applied to a fresh Y.Doc — what the server
 * will load after a restart.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Database } from '../../db/client';
import { docSnapshots, docUpdates } from '../../db/schema/index';

export interface StoredDocument {
	doc: Y.Doc;
	snapshotUptoSeq: number | null;
	tailRows: number;
	/** Structs that could not be integrated because an earlier update is missing from the log. */
	hasPendingStructs: boolean;
}

export async function readStoredDocument(db: Database, documentName: string): Promise<StoredDocument> {
	const doc = new Y.Doc();
	const [snapshot] = await db.select().from(docSnapshots).where(eq(docSnapshots.documentName, documentName));
	if (snapshot) Y.applyUpdate(doc, snapshot.state);
	const rows = await db
		.select({ update: docUpdates.update })
		.from(docUpdates)
		.where(and(eq(docUpdates.documentName, documentName), snapshot ? gt(docUpdates.seq, snapshot.uptoSeq) : undefined))
		.orderBy(asc(docUpdates.seq));
	for (const row of rows) Y.applyUpdate(doc, row.update);
	return {
		doc,
		snapshotUptoSeq: snapshot?.uptoSeq ?? null,
		tailRows: rows.length,
		hasPendingStructs: doc.store.pendingStructs !== null || doc.store.pendingDs !== null
	};
}
