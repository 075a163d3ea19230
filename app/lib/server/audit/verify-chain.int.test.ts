import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents } from '../../../../db/schema/index';
import { recordAuditEvent } from './audit-log';
import { verifyAuditChain } from './verify-chain';

const subject = { userId: '11111111-1111-4111-8111-111111111111', role: 'physician' as const, sourceAddress: '10.0.0.7', requestId: 'r1' };

describe.each(testDatabaseKinds)('tamper-evident audit trail (%s)', (kind) => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await createTestDatabase(kind);
		for (let i = 0; i < 12; i++) {
			await recordAuditEvent(t.db, subject, { action: 'patient.view', outcome: 'success', patientId: '22222222-2222-4222-8222-222222222222', reason: `view ${i}` });
		}
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('chains every event: gap-free sequence, each hash over the previous one', async () => {
		const rows = await t.db.select().from(auditEvents).orderBy(auditEvents.seq);
		expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
		expect(rows[0]!.prevHash).toBeNull();
		for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
		expect(await verifyAuditChain(t.db, 5)).toMatchObject({ ok: true, events: 12, headSeq: 12 });
	});

	it('refuses UPDATE, DELETE and TRUNCATE, even for the table owner', async () => {
		// drizzle wraps the database's error; the trigger's message is in the cause.
		const refusal = (query: Promise<unknown>) =>
			query.then(
				() => 'allowed',
				(error: Error) => String((error.cause as Error | undefined)?.message ?? error.message)
			);
		expect(await refusal(t.db.execute(sql`update audit_events set reason = 'edited' where seq = 3`))).toMatch(/append-only/);
		expect(await refusal(t.db.execute(sql`delete from audit_events where seq = 3`))).toMatch(/append-only/);
		expect(await refusal(t.db.execute(sql`truncate audit_events`))).toMatch(/append-only/);
		expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, events: 12 });
	});

	it('names the first altered event once someone gets around the triggers', async () => {
		await t.db.execute(sql`alter table audit_events disable trigger audit_events_no_change`);
		await t.db.execute(sql`update audit_events set reason = 'nothing to see' where seq = 5`);
		expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBadSeq: 5, problem: expect.stringMatching(/altered/) });
		await t.db.execute(sql`delete from audit_events where seq = 5`);
		expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBadSeq: 6, problem: expect.stringMatching(/missing/) });
		await t.db.execute(sql`alter table audit_events enable trigger audit_events_no_change`);
	});
});
