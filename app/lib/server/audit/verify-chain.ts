import { sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';

export type ChainVerdict =
	| { ok: true; events: number; headSeq: number | null; headHash: string | null }
	| { ok: false; events: number; firstBadSeq: number; firstBadId: number; problem: string };

interface ChainRow {
	id: number;
	seq: number | null;
	prev_hash: string | null;
	hash: string | null;
	expected_prev: string | null;
	expected_hash: string;
	position: number;
}

/**
 * Recomputes the audit chain with the database's own digest function (the one the insert
 * trigger uses) and names the first event that does not fit: altered (hash differs), removed
 * (a gap in seq, or prev_hash not the previous event's hash) or inserted around the trigger.
 * Removing the newest events leaves no gap; compare headSeq with a copy kept elsewhere.
 */
export async function verifyAuditChain(db: Database, batchSize = 5000): Promise<ChainVerdict> {
	let checked = 0;
	let previousHash: string | null = null;
	let afterSeq = 0;
	let headSeq: number | null = null;
	for (;;) {
		const result = await db.execute(sql`
			select id, seq, prev_hash, hash,
				audit_event_digest(prev_hash, seq, occurred_at, actor_user_id, actor_role, action, patient_id,
					resource_type, resource_id, outcome, source_address, reason, request_id) as expected_hash
			from audit_events
			where seq > ${afterSeq} or seq is null
			order by seq nulls first, id
			limit ${batchSize}`);
		const rows = ((result as unknown as { rows?: ChainRow[] }).rows ?? (result as unknown as ChainRow[])).map((r) => ({
			...r,
			id: Number(r.id),
			seq: r.seq === null ? null : Number(r.seq)
		}));
		if (rows.length === 0) break;
		for (const row of rows) {
			const expectedSeq = checked + 1;
			const bad = (problem: string): ChainVerdict => ({ ok: false, events: checked, firstBadSeq: row.seq ?? expectedSeq, firstBadId: row.id, problem });
			if (row.seq === null) return bad('the event has no sequence number: it was written around the chain trigger');
			if (row.seq !== expectedSeq) return bad(`events ${expectedSeq}–${row.seq - 1} are missing`);
			if (row.prev_hash !== previousHash) return bad('its link to the previous event is broken');
			if (row.hash !== row.expected_hash) return bad('its content does not match its hash: it was altered');
			previousHash = row.hash;
			checked = expectedSeq;
			afterSeq = row.seq;
			headSeq = row.seq;
		}
		if (rows.length < batchSize) break;
	}
	return { ok: true, events: checked, headSeq, headHash: previousHash };
}
