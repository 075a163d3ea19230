import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, patients } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { patientSearchPageSize, runPatientSearch, searchPatients } from './search';

const actor = (role: Actor['role']): Actor => ({
	userId: crypto.randomUUID(),
	role,
	displayName: 'Test',
	practitionerId: null,
	patientId: null,
	sessionId: 'test',
	sourceAddress: '127.0.0.1',
	requestId: null
});

describe.each(testDatabaseKinds)('patient search (%s)', (kind) => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await createTestDatabase(kind);
		const rows = Array.from({ length: 60 }, (_, i) => ({
			mrn: String(10_000_000 + i),
			givenName: i % 2 ? 'Ana' : 'Luis',
			familyName: i < 30 ? 'Santos' : `Okafor${i}`,
			birthDate: i === 7 ? '1961-03-07' : '1990-01-01',
			sex: 'female' as const
		}));
		rows.push({ mrn: '20000001', givenName: 'Robert', familyName: "O'Brien", birthDate: '1975-12-31', sex: 'female' as const });
		await t.db.insert(patients).values(rows);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('finds by family name fragment, pages 25 at a time and says when there is more', async () => {
		const first = await runPatientSearch(t.db, { text: 'sant', page: 1 });
		expect(first.hits).toHaveLength(patientSearchPageSize);
		expect(first.hasMore).toBe(true);
		const second = await runPatientSearch(t.db, { text: 'sant', page: 2 });
		expect(second.hits).toHaveLength(5);
		expect(second.hasMore).toBe(false);
		expect(new Set([...first.hits, ...second.hits].map((h) => h.id)).size).toBe(30);
	});

	it('finds "given family" and "family, given" in any order', async () => {
		const a = await runPatientSearch(t.db, { text: 'ana santos', page: 1 });
		const b = await runPatientSearch(t.db, { text: 'Santos, Ana', page: 1 });
		expect(a.hits.length).toBe(15);
		expect(b.hits.map((h) => h.id).sort()).toEqual(a.hits.map((h) => h.id).sort());
	});

	it('finds by date of birth in either format, and by MRN prefix', async () => {
		expect((await runPatientSearch(t.db, { text: '1961-03-07', page: 1 })).hits.map((h) => h.mrn)).toEqual(['10000007']);
		expect((await runPatientSearch(t.db, { text: '3/7/1961', page: 1 })).hits.map((h) => h.mrn)).toEqual(['10000007']);
		expect((await runPatientSearch(t.db, { text: '1000005', page: 1 })).hits.map((h) => h.mrn)).toEqual(
			Array.from({ length: 10 }, (_, i) => String(10_000_050 + i))
		);
	});

	it('takes quotes and wildcards as text, not syntax', async () => {
		expect((await runPatientSearch(t.db, { text: "o'brien", page: 1 })).hits).toHaveLength(1);
		expect((await runPatientSearch(t.db, { text: '%', page: 1 })).hits).toHaveLength(0);
	});

	it('lets staff search, audits it without the search text, and refuses portal users', async () => {
		const frontDesk = actor('front_desk');
		await searchPatients(t.db, frontDesk, { text: 'Santos', page: 1 });
		const [event] = await t.db.select().from(auditEvents).where(eq(auditEvents.actorUserId, frontDesk.userId));
		expect(event).toMatchObject({ action: 'patient.search', outcome: 'success' });
		expect(event!.reason).not.toMatch(/santos/i);
		await expect(searchPatients(t.db, actor('patient'), { text: 'Santos', page: 1 })).rejects.toBeInstanceOf(AccessDenied);
	});
});
