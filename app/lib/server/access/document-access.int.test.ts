import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { patients, treatmentPlans, users, type User } from '../../../../db/schema/index';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { hashPassword } from '../auth/password';
import type { Actor } from './actor';
import { authorizeDocument } from './document-access';
import { AccessDenied, NotFound } from './errors';

const actorOf = (user: User): Actor => ({
	userId: user.id,
	role: user.role,
	displayName: user.displayName,
	practitionerId: user.practitionerId,
	patientId: user.patientId,
	sessionId: 'test',
	sourceAddress: null,
	requestId: null
});

describe.each(testDatabaseKinds)('who may open which live document (%s)', (kind) => {
	let database: TestDatabase;
	let maria: string;
	const actors = new Map<string, Actor>();
	beforeAll(async () => {
		database = await createTestDatabase(kind);
		await loadDemoClinic(database.db, { hashPassword, patientCount: 12 });
		maria = (await database.db.select({ id: patients.id }).from(patients).where(sql`${patients.givenName} = 'Maria' and ${patients.familyName} = 'Garcia'`))[0]!.id;
		for (const email of ['dr.chen@riverside.example', 'admin@riverside.example', 'frontdesk@riverside.example', 'maria.garcia@example.com']) {
			actors.set(email, actorOf((await database.db.select().from(users).where(eq(users.email, email)))[0]!));
		}
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('lets the care team edit the chart, the administrator read it, and refuses the front desk', async () => {
		const chart = { kind: 'chart', patientId: maria } as const;
		expect(await authorizeDocument(database.db, actors.get('dr.chen@riverside.example')!, chart)).toEqual({ patientId: maria, readOnly: false });
		expect(await authorizeDocument(database.db, actors.get('admin@riverside.example')!, chart)).toEqual({ patientId: maria, readOnly: true });
		await expect(authorizeDocument(database.db, actors.get('frontdesk@riverside.example')!, chart)).rejects.toBeInstanceOf(AccessDenied);
		await expect(authorizeDocument(database.db, actors.get('maria.garcia@example.com')!, chart)).rejects.toBeInstanceOf(AccessDenied);
	});

	it('shows the patient her active plan read-only, and not a draft', async () => {
		const [active, draft] = await database.db
			.insert(treatmentPlans)
			.values([
				{ patientId: maria, title: 'Active plan', status: 'active' },
				{ patientId: maria, title: 'Draft plan', status: 'draft' }
			])
			.returning({ id: treatmentPlans.id });
		const patient = actors.get('maria.garcia@example.com')!;
		expect(await authorizeDocument(database.db, patient, { kind: 'plan', planId: active!.id })).toEqual({ patientId: maria, readOnly: true });
		await expect(authorizeDocument(database.db, patient, { kind: 'plan', planId: draft!.id })).rejects.toThrow('still drafting');
		expect(await authorizeDocument(database.db, actors.get('dr.chen@riverside.example')!, { kind: 'plan', planId: draft!.id })).toEqual({ patientId: maria, readOnly: false });
	});

	it('answers a document about nothing that exists with NotFound', async () => {
		await expect(authorizeDocument(database.db, actors.get('dr.chen@riverside.example')!, { kind: 'note', encounterId: randomUUID() })).rejects.toBeInstanceOf(NotFound);
		await expect(authorizeDocument(database.db, actors.get('dr.chen@riverside.example')!, { kind: 'plan', planId: randomUUID() })).rejects.toBeInstanceOf(NotFound);
	});
});
