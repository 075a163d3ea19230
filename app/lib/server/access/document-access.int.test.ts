import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, consultSettings, documentPatientShares, documents, patients, treatmentPlans, users, type User } from '../../../../db/schema/index';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { hashPassword } from '../auth/password';
import type { Actor } from './actor';
import { authorizeDocument } from './document-access';
import { AccessDenied, NotFound } from './errors';
import { getConsultSettings, updateConsultSettings } from '../consults/settings';

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
		for (const email of ['dr.chen@riverside.example', 'admin@riverside.example', 'frontdesk@riverside.example', 'maria.garcia@example.com', 'nurse.patel@riverside.example']) {
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

	it('opens a report’s annotations to the patient only once it is shared with her, and audits the refusal', async () => {
		const chen = actors.get('dr.chen@riverside.example')!;
		const patient = actors.get('maria.garcia@example.com')!;
		const [report] = await database.db
			.insert(documents)
			.values({ patientId: maria, title: 'Lab report', kind: 'lab_report', contentType: 'application/pdf', byteSize: 10, sha256: '0'.repeat(64), uploadedBy: chen.userId })
			.returning({ id: documents.id });
		const ref = { kind: 'annotations', documentId: report!.id } as const;
		expect(await authorizeDocument(database.db, chen, ref)).toEqual({ patientId: maria, readOnly: false });
		await expect(authorizeDocument(database.db, patient, ref)).rejects.toThrow('not been shared with you');
		const refusals = await database.db.select().from(auditEvents).where(sql`${auditEvents.resourceId} = ${report!.id} and ${auditEvents.outcome} = 'denied'`);
		expect(refusals.map((e) => e.reason)).toContain('report not shared with the patient');

		await database.db.insert(documentPatientShares).values({ documentId: report!.id, sharedBy: chen.userId });
		expect(await authorizeDocument(database.db, patient, ref)).toEqual({ patientId: maria, readOnly: false });
		await expect(authorizeDocument(database.db, actors.get('frontdesk@riverside.example')!, ref)).rejects.toBeInstanceOf(AccessDenied);
	});

	it('makes the annotations read-only for a role the clinic does not let annotate', async () => {
		const [report] = await database.db
			.insert(documents)
			.values({ patientId: maria, title: 'X-ray', kind: 'imaging', contentType: 'image/png', byteSize: 10, sha256: '1'.repeat(64) })
			.returning({ id: documents.id });
		await database.db.insert(documentPatientShares).values({ documentId: report!.id });
		const ref = { kind: 'annotations', documentId: report!.id } as const;
		const admin = actors.get('admin@riverside.example')!;
		const nurse = actors.get('nurse.patel@riverside.example')!;
		const patient = actors.get('maria.garcia@example.com')!;
		// Defaults: physicians, nurses, patients and proxies annotate; the administrator reads.
		expect(await authorizeDocument(database.db, admin, ref)).toEqual({ patientId: maria, readOnly: true });
		expect((await authorizeDocument(database.db, nurse, ref)).readOnly).toBe(false);
		const before = await getConsultSettings(database.db);
		try {
			await updateConsultSettings(database.db, admin, { annotateRoles: ['physician', 'clinic_admin'] });
			expect((await authorizeDocument(database.db, nurse, ref)).readOnly).toBe(true);
			expect((await authorizeDocument(database.db, patient, ref)).readOnly).toBe(true);
			expect((await authorizeDocument(database.db, admin, ref)).readOnly).toBe(false);
		} finally {
			await database.db.update(consultSettings).set({ annotateRoles: before.annotateRoles });
		}
	});
});
