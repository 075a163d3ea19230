import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, careTeamMembers, careTeams, clinics, encounters, locations, patients, practitioners, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { getNoteEncounter, listNoteEncounters } from './encounter-notes';

function actorFor(role: Role, extra: Partial<Actor> = {}): Actor {
	return {
		userId: randomUUID(),
		role,
		displayName: `Test ${role}`,
		practitionerId: null,
		patientId: null,
		sessionId: randomUUID(),
		sourceAddress: '127.0.0.1',
		requestId: randomUUID(),
		...extra
	};
}

describe.each(testDatabaseKinds)('encounter notes on %s', (kind) => {
	let database: TestDatabase;
	const ids = { patient: '', otherPatient: '', physician: '', otherPhysician: '', olderVisit: '', newerVisit: '', otherVisit: '' };

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const { db } = database;
		const [clinic] = await db.insert(clinics).values({ name: 'Riverside Test Clinic', timeZone: 'America/Chicago' }).returning();
		const [location] = await db.insert(locations).values({ clinicId: clinic!.id, name: 'Main Street', timeZone: 'America/Chicago' }).returning();
		const [physician, otherPhysician] = await db
			.insert(practitioners)
			.values([
				{ kind: 'physician', givenName: 'Ana', familyName: 'Ruiz', credentials: 'MD' },
				{ kind: 'physician', givenName: 'Ben', familyName: 'Okafor', credentials: 'DO' }
			])
			.returning();
		ids.physician = physician!.id;
		ids.otherPhysician = otherPhysician!.id;
		const [patient, otherPatient] = await db
			.insert(patients)
			.values([
				{ mrn: '200001', givenName: 'Maria', familyName: 'Lopez', birthDate: '1980-02-03', sex: 'female' },
				{ mrn: '200002', givenName: 'Tom', familyName: 'Baker', birthDate: '2015-06-30', sex: 'male' }
			])
			.returning();
		ids.patient = patient!.id;
		ids.otherPatient = otherPatient!.id;
		const [team] = await db.insert(careTeams).values({ patientId: ids.patient, name: 'Primary care' }).returning();
		await db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: ids.physician, role: 'primary' });
		const visit = (patientId: string, startAt: string, reason: string) => ({
			patientId,
			practitionerId: ids.physician,
			locationId: location!.id,
			kind: 'office_visit' as const,
			status: 'finished' as const,
			startAt: new Date(startAt),
			reason
		});
		const [older, newer, other] = await db
			.insert(encounters)
			.values([
				visit(ids.patient, '2025-03-01T15:00:00Z', 'Diabetes follow-up'),
				visit(ids.patient, '2025-06-01T15:00:00Z', 'Blood pressure check'),
				visit(ids.otherPatient, '2025-05-01T15:00:00Z', 'Well-child visit')
			])
			.returning();
		ids.olderVisit = older!.id;
		ids.newerVisit = newer!.id;
		ids.otherVisit = other!.id;
	});

	afterAll(async () => {
		await database?.drop();
	});

	const careTeamPhysician = () => actorFor('physician', { practitionerId: ids.physician });

	it('lists the care team the patient’s visits, newest first, and audits the look', async () => {
		const actor = careTeamPhysician();
		const { patient, encounters: visits } = await listNoteEncounters(database.db, actor, ids.patient);
		expect(patient).toEqual({ id: ids.patient, givenName: 'Maria', familyName: 'Lopez' });
		expect(visits.map((v) => v.id)).toEqual([ids.newerVisit, ids.olderVisit]);
		expect(visits[0]).toMatchObject({ reason: 'Blood pressure check', practitionerName: 'Ana Ruiz, MD', locationName: 'Main Street' });
		const audit = await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.resourceType, 'encounter_notes')));
		expect(audit).toMatchObject([{ action: 'patient.view', outcome: 'success', patientId: ids.patient }]);
	});

	it('opens one visit of the patient, and answers NotFound for another patient’s visit or none', async () => {
		const { encounter } = await getNoteEncounter(database.db, careTeamPhysician(), ids.patient, ids.olderVisit);
		expect(encounter.id).toBe(ids.olderVisit);
		// Maria's address with Tom's visit: the visit is not hers.
		await expect(getNoteEncounter(database.db, actorFor('clinic_admin'), ids.patient, ids.otherVisit)).rejects.toBeInstanceOf(NotFound);
		await expect(getNoteEncounter(database.db, careTeamPhysician(), ids.patient, randomUUID())).rejects.toBeInstanceOf(NotFound);
	});

	it('refuses (and audits) anyone without the clinical record: other clinicians, the front desk, billing', async () => {
		for (const actor of [actorFor('physician', { practitionerId: ids.otherPhysician }), actorFor('front_desk'), actorFor('billing')]) {
			await expect(listNoteEncounters(database.db, actor, ids.patient)).rejects.toBeInstanceOf(AccessDenied);
			await expect(getNoteEncounter(database.db, actor, ids.patient, ids.olderVisit)).rejects.toBeInstanceOf(AccessDenied);
			const denied = await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.outcome, 'denied')));
			expect(denied).toHaveLength(2);
		}
	});
});
