import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabaseKinds } from '../db/testing';
import { patients, users } from '../db/schema/index';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import type { Actor } from '../app/lib/server/access/actor';
import { createRecordShare, revokeRecordShare } from '../app/lib/server/sharing/record-shares';
import { signInCookie, startTestServer, type TestServer } from './testing';

const password = 'demo-password-2026';

function clinicDatePlus(days: number): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	const date = new Date(`${today}T12:00:00Z`);
	date.setUTCDate(date.getUTCDate() + days);
	return date.toISOString().slice(0, 10);
}

/**
 * An outside person over HTTP: the portal's "Shared with you" pages show the shared parts of
 * the shared patient only; staff pages, search and other patients stay closed.
 */
describe.each(testDatabaseKinds)('an outside person a record was shared with (%s)', (kind) => {
	let t: TestServer;
	let cookie: string;
	let maria: Actor;
	let mariaId: string;
	let otherPatientId: string;
	let shareId: string;

	const get = (path: string) => fetch(`${t.url}${path}`, { redirect: 'manual', headers: { cookie } });

	beforeAll(async () => {
		t = await startTestServer(kind);
		const { db } = t.database;
		await loadDemoClinic(db, { hashPassword, patientCount: 12 });
		await relaxDemoSignInPolicy(db);
		const [account] = await db.select().from(users).where(eq(users.email, 'maria.garcia@example.com'));
		mariaId = account!.patientId!;
		maria = { userId: account!.id, role: 'patient', displayName: account!.displayName, practitionerId: null, patientId: mariaId, sessionId: 'test', sourceAddress: null, requestId: null };
		const [other] = await db.select({ id: patients.id }).from(patients).where(eq(patients.givenName, 'Mia'));
		otherPatientId = other!.id;
		await db.insert(users).values({ email: 'ines.ortega@hospital.example', role: 'external', displayName: 'Dr. Ines Ortega', passwordHash: await hashPassword(password) });
		({ shareId } = await createRecordShare(
			db,
			maria,
			mariaId,
			{ parts: ['clinical'], endDate: clinicDatePlus(5), recipient: { kind: 'external', displayName: 'Dr. Ines Ortega', email: 'ines.ortega@hospital.example' } },
			{ origin: t.url }
		));
		cookie = await signInCookie(t.url, 'ines.ortega@hospital.example', password);
	}, 180_000);
	afterAll(async () => {
		await t?.stop();
	});

	it('is kept out of the staff workspace and patient search, and out of the portal pages for patients', async () => {
		for (const path of ['/patients', `/patients/${mariaId}`, '/admin/audit']) {
			const response = await get(path);
			expect(response.status, path).toBe(303);
			expect(response.headers.get('location'), path).toMatch(/^\/portal/);
		}
		expect((await get('/api/patients?q=Garcia')).status).toBe(403);
		for (const path of ['/portal', '/portal/sharing', '/portal/access-log']) {
			const response = await get(path);
			expect(response.headers.get('location'), path).toBe('/portal/shared');
		}
	});

	it('sees the shared parts of the shared patient, and nothing of anyone else', async () => {
		const list = await get('/portal/shared');
		expect(list.status).toBe(200);
		const listHtml = await list.text();
		expect(listHtml).toContain('Maria');
		expect(listHtml).toContain('Medications, allergies, vitals and lab results');

		const record = await get(`/portal/shared/${mariaId}`);
		expect(record.status).toBe(200);
		const html = await record.text();
		expect(html).toContain('Active medications');
		// Contact details and diagnoses were not shared.
		expect(html).not.toContain('Contact details');
		expect(html).not.toContain('Encounters');

		expect((await get(`/portal/shared/${otherPatientId}`)).status).toBe(403);
	});

	it('loses the record as soon as the patient revokes the share', async () => {
		await revokeRecordShare(t.database.db, maria, shareId);
		expect((await get(`/portal/shared/${mariaId}`)).status).toBe(403);
		expect(await (await get('/portal/shared')).text()).toContain('Nothing is shared with you right now.');
	});
});
