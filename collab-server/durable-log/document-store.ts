import { and, asc, eq, gt, max, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Database } from '../../db/client';
import { docSnapshots, docUpdates } from '../../db/schema/index';

export interface StoredDocument {
	/** The snapshot (if any) then every logged update after it, in log order. */
	updates: Uint8Array[];
	/** Bytes of the stored state (snapshot plus tail), for the document size limit. */
	byteSize: number;
	/** Log rows replayed after the snapshot. */
	tailRows: number;
}

/** Reads a document as the latest snapshot plus the log rows after it. */
export async function readStoredDocument(db: Database, documentName: string): Promise<StoredDocument> {
	const [snapshot] = await db.select().from(docSnapshots).where(eq(docSnapshots.documentName, documentName));
	const tail = await db
		.select({ update: docUpdates.update })
		.from(docUpdates)
		.where(and(eq(docUpdates.documentName, documentName), gt(docUpdates.seq, snapshot?.uptoSeq ?? 0)))
		.orderBy(asc(docUpdates.seq));
	const updates = [...(snapshot ? [snapshot.state] : []), ...tail.map((row) => row.update)];
	return { updates, byteSize: updates.reduce((sum, u) => sum + u.byteLength, 0), tailRows: tail.length };
}

/**
 * Writes a snapshot of a live document. Correct because every update is applied to the live
 * document before it is appended to the log: any row committed before we read the highest
 * sequence number (and any row with a lower number, allocated before it) holds an update the
 * document already contains, so the state encoded after that read covers every row up to it.
 * Returns the log position the snapshot covers.
 */
export async function writeSnapshot(db: Database, documentName: string, document: Y.Doc): Promise<number | null> {
	const [row] = await db
		.select({ upto: max(docUpdates.seq) })
		.from(docUpdates)
		.where(eq(docUpdates.documentName, documentName));
	if (row?.upto == null) return null;
	const uptoSeq = Number(row.upto);
	const state = Y.encodeStateAsUpdate(document);
	await db
		.insert(docSnapshots)
		.values({ documentName, state, uptoSeq, byteSize: state.byteLength })
		.onConflictDoUpdate({
			target: docSnapshots.documentName,
			set: { state, uptoSeq, byteSize: state.byteLength, updatedAt: sql`now()` },
			// Never replace a newer snapshot with an older one (two stores racing).
			setWhere: sql`${docSnapshots.uptoSeq} < ${uptoSeq}`
		});
	return uptoSeq;
}

/** Log rows of a document after the snapshot: how much a load would replay. */
export async function tailLength(db: Database, documentName: string): Promise<number> {
	const [snapshot] = await db.select({ uptoSeq: docSnapshots.uptoSeq }).from(docSnapshots).where(eq(docSnapshots.documentName, documentName));
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(docUpdates)
		.where(and(eq(docUpdates.documentName, documentName), gt(docUpdates.seq, snapshot?.uptoSeq ?? 0)));
	return row?.n ?? 0;
}
