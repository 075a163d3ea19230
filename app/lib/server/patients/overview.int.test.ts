import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import {
	allergies,
	auditEvents,
	careTeamMembers,
	careTeams,
	clinics,
	encounters,
	locations,
	medications,
	observations,
	patientContacts,
	patients,
	practitioners,
	problems,
	proxyGrants,
	users,
	type Role
} from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { getPatientOverview, interpretLab, listPortalPatients } from './overview';

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

describe.each(testDatabaseKinds)('getPatientOverview on %s', (kind) => {
	let database: TestDatabase;
	const ids = {
		patient: '',
		otherPatient: '',
		teamPhysician: '',
		otherPhysician: ''
	};
	const proxyUsers = { records: '', appointments: '', expired: '' };

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const { db } = database;
		const [clinic] = await db.insert(clinics).values({ name: 'Riverside Test Clinic', timeZone: 'America/Chicago' }).returning();
		const [location] = await db.insert(locations).values({ clinicId: clinic!.id, name: 'Main Street', timeZone: 'America/Chicago' }).returning();
		const [teamPhysician, otherPhysician] = await db
			.insert(practitioners)
			.values([
				{ kind: 'physician', givenName: 'Ana', familyName: 'Ruiz', credentials: 'MD', specialty: 'Family medicine' },
				{ kind: 'physician', givenName: 'Ben', familyName: 'Okafor', credentials: 'DO' }
			])
			.returning();
		ids.teamPhysician = teamPhysician!.id;
		ids.otherPhysician = otherPhysician!.id;
		const [patient, otherPatient] = await db
			.insert(patients)
			.values([
				{ mrn: '100001', givenName: '<b>Maria</b>', familyName: 'Lopez', birthDate: '1980-02-03', sex: 'female', preferredLanguage: 'es' },
				{ mrn: '100002', givenName: 'Tom', familyName: 'Baker', birthDate: '2015-06-30', sex: 'male' }
			])
			.returning();
		ids.patient = patient!.id;
		ids.otherPatient = otherPatient!.id;
		await db.insert(patientContacts).values({ patientId: ids.patient, relationship: 'spouse', name: 'Luis Lopez', phone: '555-0101' });
		const [team] = await db.insert(careTeams).values({ patientId: ids.patient, name: 'Primary care' }).returning();
		await db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: ids.teamPhysician, role: 'primary' });
		await db.insert(problems).values([
			{ patientId: ids.patient, icd10Code: 'E11.9', description: 'Type 2 diabetes mellitus without complications', onsetDate: '2019-04-01' },
			{ patientId: ids.patient, icd10Code: 'J02.9', description: 'Acute pharyngitis', status: 'resolved', onsetDate: '2023-01-10', resolvedDate: '2023-01-20' }
		]);
		const [encounter] = await db
			.insert(encounters)
			.values({
				patientId: ids.patient,
				practitionerId: ids.teamPhysician,
				locationId: location!.id,
				kind: 'office_visit',
				status: 'finished',
				startAt: new Date('2025-03-01T15:00:00Z'),
				reason: 'Diabetes follow-up'
			})
			.returning();
		await db.insert(allergies).values({ patientId: ids.patient, substance: 'Penicillin', reaction: 'Hives', severity: 'moderate' });
		await db.insert(medications).values([
			{ patientId: ids.patient, name: 'Metformin', dose: '500 mg', frequency: 'twice daily', prescriberId: ids.teamPhysician },
			{ patientId: ids.patient, name: 'Amoxicillin', dose: '500 mg', frequency: 'three times daily', status: 'completed' }
		]);
		const vital = (loincCode: string, display: string, unit: string, value: number, at: string) => ({
			patientId: ids.patient,
			encounterId: encounter!.id,
			category: 'vital-signs' as const,
			loincCode,
			display,
			unit,
			value,
			effectiveAt: new Date(at)
		});
		await db.insert(observations).values([
			vital('8480-6', 'Systolic blood pressure', 'mm[Hg]', 138, '2025-03-01T15:05:00Z'),
			vital('8462-4', 'Diastolic blood pressure', 'mm[Hg]', 88, '2025-03-01T15:05:00Z'),
			vital('8480-6', 'Systolic blood pressure', 'mm[Hg]', 128, '2025-06-01T15:05:00Z'),
			vital('8462-4', 'Diastolic blood pressure', 'mm[Hg]', 82, '2025-06-01T15:05:00Z'),
			vital('29463-7', 'Body weight', 'kg', 82.5, '2025-06-01T15:05:00Z'),
			{ patientId: ids.patient, category: 'laboratory', loincCode: '4548-4', display: 'Hemoglobin A1c', unit: '%', value: 6.1, referenceLow: 4, referenceHigh: 5.6, effectiveAt: new Date('2025-01-01T12:00:00Z') },
			{ patientId: ids.patient, category: 'laboratory', loincCode: '4548-4', display: 'Hemoglobin A1c', unit: '%', value: 7.4, referenceLow: 4, referenceHigh: 5.6, effectiveAt: new Date('2025-03-01T12:00:00Z') }
		]);

		const proxy = (email: string) => ({ email, displayName: email, passwordHash: 'not-a-real-hash', role: 'proxy' as const });
		const [records, appointments, expired] = await db
			.insert(users)
			.values([proxy('records@example.org'), proxy('appointments@example.org'), proxy('expired@example.org')])
			.returning();
		proxyUsers.records = records!.id;
		proxyUsers.appointments = appointments!.id;
		proxyUsers.expired = expired!.id;
		await db.insert(proxyGrants).values([
			{ patientId: ids.patient, proxyUserId: proxyUsers.records, relationship: 'caregiver', scopes: ['records', 'messages'] },
			{ patientId: ids.patient, proxyUserId: proxyUsers.appointments, relationship: 'parent', scopes: ['appointments'] },
			{ patientId: ids.patient, proxyUserId: proxyUsers.expired, relationship: 'guardian', scopes: ['records'], expiresAt: new Date(Date.now() - 60_000) }
		]);
	}, 120_000);

	afterAll(async () => {
		await database?.drop();
	});

	async function auditOutcomes(actor: Actor) {
		return database.db
			.select({ outcome: auditEvents.outcome, action: auditEvents.action, patientId: auditEvents.patientId, reason: auditEvents.reason })
			.from(auditEvents)
			.where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.action, 'patient.view')));
	}

	it('shows every part to a physician on the care team, and audits the view', async () => {
		const actor = actorFor('physician', { practitionerId: ids.teamPhysician });
		const overview = await getPatientOverview(database.db, actor, ids.patient);

		expect(new Set(overview.parts)).toEqual(new Set(['demographics', 'codes', 'clinical', 'documents']));
		// Names are data, never markup: stored and returned exactly as typed.
		expect(overview.demographics.givenName).toBe('<b>Maria</b>');
		expect(overview.demographics.contacts.map((c) => c.name)).toEqual(['Luis Lopez']);
		expect(overview.demographics.careTeam).toEqual([
			expect.objectContaining({ name: 'Ana Ruiz, MD', role: 'primary', teamName: 'Primary care' })
		]);
		expect(overview.codes?.problems.map((p) => p.icd10Code)).toEqual(['E11.9', 'J02.9']);
		expect(overview.codes?.encounters).toEqual([
			expect.objectContaining({ practitionerName: 'Ana Ruiz, MD', locationName: 'Main Street', reason: 'Diabetes follow-up' })
		]);
		expect(overview.clinical?.allergies.map((a) => a.substance)).toEqual(['Penicillin']);
		expect(overview.clinical?.medications.map((m) => m.name)).toEqual(['Metformin']);
		const systolic = overview.clinical?.vitals.find((v) => v.loincCode === '8480-6');
		expect(systolic?.readings.map((r) => r.value)).toEqual([138, 128]);
		expect(overview.clinical?.labs).toEqual([expect.objectContaining({ loincCode: '4548-4', value: 7.4, interpretation: 'high' })]);
		expect(overview.documents).toEqual([]);

		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success', patientId: ids.patient })]);
	});

	it('shows only demographics to a physician who is not on the care team', async () => {
		const actor = actorFor('physician', { practitionerId: ids.otherPhysician });
		const overview = await getPatientOverview(database.db, actor, ids.patient);
		expect(overview.parts).toEqual(['demographics']);
		expect(overview.demographics.mrn).toBe('100001');
		expect(overview.codes).toBeNull();
		expect(overview.clinical).toBeNull();
		expect(overview.documents).toBeNull();
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success' })]);
	});

	it('shows only demographics to the front desk', async () => {
		const actor = actorFor('front_desk');
		const overview = await getPatientOverview(database.db, actor, ids.patient);
		expect(overview.parts).toEqual(['demographics']);
		expect(overview.codes).toBeNull();
		expect(overview.clinical).toBeNull();
		expect(overview.documents).toBeNull();
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success' })]);
	});

	it('shows demographics and codes to billing', async () => {
		const actor = actorFor('billing');
		const overview = await getPatientOverview(database.db, actor, ids.patient);
		expect(new Set(overview.parts)).toEqual(new Set(['demographics', 'codes']));
		expect(overview.codes?.problems).toHaveLength(2);
		expect(overview.clinical).toBeNull();
		expect(overview.documents).toBeNull();
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success' })]);
	});

	it('shows a patient their own record and denies them another one', async () => {
		const actor = actorFor('patient', { patientId: ids.patient });
		const own = await getPatientOverview(database.db, actor, ids.patient);
		expect(own.clinical?.allergies).toHaveLength(1);
		await expect(getPatientOverview(database.db, actor, ids.otherPatient)).rejects.toBeInstanceOf(AccessDenied);

		const events = await auditOutcomes(actor);
		expect(events).toHaveLength(2);
		expect(events).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ outcome: 'success', patientId: ids.patient }),
				expect.objectContaining({ outcome: 'denied', patientId: ids.otherPatient })
			])
		);
		expect(await listPortalPatients(database.db, actor)).toEqual([expect.objectContaining({ patientId: ids.patient, relationship: 'self' })]);
	});

	it('shows clinical parts to a proxy whose grant covers records', async () => {
		const actor = actorFor('proxy', { userId: proxyUsers.records });
		const overview = await getPatientOverview(database.db, actor, ids.patient);
		expect(overview.clinical?.medications.map((m) => m.name)).toEqual(['Metformin']);
		expect(overview.documents).toEqual([]);
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success' })]);
		expect(await listPortalPatients(database.db, actor)).toEqual([expect.objectContaining({ patientId: ids.patient, relationship: 'caregiver' })]);
	});

	it('shows only demographics to a proxy whose grant covers appointments', async () => {
		const actor = actorFor('proxy', { userId: proxyUsers.appointments });
		const overview = await getPatientOverview(database.db, actor, ids.patient);
		expect(overview.parts).toEqual(['demographics']);
		expect(overview.clinical).toBeNull();
		expect(overview.codes).toBeNull();
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'success' })]);
	});

	it('denies a proxy whose grant has expired', async () => {
		const actor = actorFor('proxy', { userId: proxyUsers.expired });
		await expect(getPatientOverview(database.db, actor, ids.patient)).rejects.toBeInstanceOf(AccessDenied);
		expect(await auditOutcomes(actor)).toEqual([expect.objectContaining({ outcome: 'denied', patientId: ids.patient })]);
		expect(await listPortalPatients(database.db, actor)).toEqual([]);
	});
});

describe('interpretLab', () => {
	it('compares a value with whichever reference bounds exist', () => {
		expect(interpretLab(7.4, 4, 5.6)).toBe('high');
		expect(interpretLab(3.9, 4, 5.6)).toBe('low');
		expect(interpretLab(5.6, 4, 5.6)).toBe('normal');
		expect(interpretLab(250, null, 200)).toBe('high');
		expect(interpretLab(5, null, null)).toBeNull();
		expect(interpretLab(null, 4, 5.6)).toBeNull();
	});
});
