import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, gte, sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import {
	appointmentReminders,
	appointments,
	appointmentTypes,
	auditEvents,
	availabilityRules,
	careTeamMembers,
	careTeams,
	clinics,
	locations,
	noShowModels,
	patients,
	practitioners
} from '../../../../db/schema/index';
import { seedAppointmentHistory } from '../../../../db/seed/appointment-history';
import { SeededRandom } from '../../../../db/seed/random';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { AccessDenied } from '../access/errors';
import { appointmentRisk, latestNoShowModel, noShowModelSummary, trainNoShowModel } from './no-show-model';
import { scheduleAnalytics } from './analytics';

const zone = 'America/New_York';
const now = new Date('2026-06-15T16:00:00Z');

/**
 * The seeded history (db/seed/appointment-history.ts) for 90 patients and three providers with
 * weekday hours: the model trained on it finds the planted signal, and the analytics see reminders help.
 */
describe.each(testDatabaseKinds)('the no-show model on the seeded history, on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let seeded: number;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const db = database.db;
		clinic = await createTestClinic(db);
		const [clinicRow] = await db.select().from(clinics);
		const [location] = await db.insert(locations).values({ clinicId: clinicRow!.id, name: 'Main', timeZone: zone }).returning();
		await db.insert(appointmentTypes).values([
			{ name: 'Follow-up', modality: 'in_person', durationMinutes: 20, bufferMinutes: 10 },
			{ name: 'New patient', modality: 'in_person', durationMinutes: 40, bufferMinutes: 10 },
			{ name: 'Video visit', modality: 'telehealth', durationMinutes: 20 }
		]);
		const providers = await db.select().from(practitioners);
		await db.insert(availabilityRules).values(
			providers.flatMap((p) =>
				[1, 2, 3, 4, 5].map((weekday) => ({ practitionerId: p.id, locationId: location!.id, weekday, startMinute: 8 * 60, endMinute: 17 * 60, timeZone: zone }))
			)
		);
		const rng = new SeededRandom(4);
		const extra = await db
			.insert(patients)
			.values(
				Array.from({ length: 88 }, (_, i) => ({
					mrn: `3${String(i).padStart(7, '0')}`,
					givenName: `Given${i}`,
					familyName: `Family${i}`,
					birthDate: `${rng.int(1940, 2015)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`,
					sex: 'unknown' as const
				}))
			)
			.returning({ id: patients.id });
		const patientIds = [clinic.patientId, clinic.otherPatientId, ...extra.map((p) => p.id)];
		const teams = await db
			.insert(careTeams)
			.values(patientIds.map((patientId) => ({ patientId, name: 'Primary care' })))
			.returning();
		await db
			.insert(careTeamMembers)
			.values(teams.map((team, i) => ({ careTeamId: team.id, practitionerId: providers[i % providers.length]!.id, role: 'primary' as const })))
			.onConflictDoNothing();
		const result = await seedAppointmentHistory(db, {
			clinicId: clinicRow!.id,
			clinicTimeZone: zone,
			locations: [{ id: location!.id, timeZone: zone }],
			practitioners: providers.map((p) => ({ id: p.id, primaryLocationId: location!.id })),
			patientIds,
			now,
			seed: 2026
		});
		seeded = result.pastAppointments;
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('seeds a realistic past: outcomes of every kind, reminders for a share, nothing in the future', async () => {
		expect(seeded).toBeGreaterThan(600);
		const statuses = await database.db
			.select({ status: appointments.status, count: sql<number>`count(*)::int` })
			.from(appointments)
			.groupBy(appointments.status);
		const byStatus = Object.fromEntries(statuses.map((s) => [s.status, Number(s.count)]));
		expect(Object.keys(byStatus).sort()).toEqual(['cancelled', 'completed', 'no_show']);
		const noShowRate = byStatus.no_show! / (byStatus.no_show! + byStatus.completed!);
		expect(noShowRate).toBeGreaterThan(0.05);
		expect(noShowRate).toBeLessThan(0.3);
		const [{ future }] = (await database.db
			.select({ future: sql<number>`count(*)::int` })
			.from(appointments)
				.where(gte(appointments.startsAt, now))) as [{ future: number }];
		expect(Number(future)).toBe(0);
		const [{ reminded }] = (await database.db.select({ reminded: sql<number>`count(distinct ${appointmentReminders.appointmentId})::int` }).from(appointmentReminders)) as [
			{ reminded: number }
		];
		expect(Number(reminded)).toBeGreaterThan(seeded / 3);
		expect(Number(reminded)).toBeLessThan(seeded);
	});

	it('shows reminded visits attended more often than the others', async () => {
		const result = await scheduleAnalytics(database.db, clinic.actors.admin, { from: new Date('2024-01-01'), to: now });
		expect(result.reminders.withReminder.attendanceRate!).toBeGreaterThan(result.reminders.withoutReminder.attendanceRate!);
	});

	it('trains on the older 80 %, scores the newer 20 % with an AUC above 0.6, and stores the model', async () => {
		const model = await trainNoShowModel(database.db, clinic.actors.admin, now);
		expect(model.auc).toBeGreaterThan(0.6);
		expect(model.trainCount).toBeGreaterThan(model.testCount * 3);
		expect(model.baseRate).toBeGreaterThan(0);
		expect((await latestNoShowModel(database.db))?.id).toBe(model.id);
		const [stored] = await database.db.select().from(noShowModels).where(eq(noShowModels.id, model.id));
		expect(stored!.features).toContain('leadTime');
		expect(stored!.parameters.weights.leadTime).toBeGreaterThan(0);
		expect(stored!.parameters.weights['reminder:confirmed']).toBeLessThan(0);
		const [audit] = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'schedule.model_train'), eq(auditEvents.outcome, 'success')));
		expect(audit?.resourceId).toBe(model.id);

		const summary = await noShowModelSummary(database.db, clinic.actors.admin);
		expect(summary?.auc).toBe(model.auc);
		expect(summary!.factors.length).toBeGreaterThan(0);
		expect(summary!.factors.every((f) => f.label.length > 0 && !f.label.includes(':'))).toBe(true);

		const [one] = await database.db.select({ id: appointments.id }).from(appointments).limit(1);
		const risk = await appointmentRisk(database.db, one!.id);
		expect(risk).toBeGreaterThan(0);
		expect(risk).toBeLessThan(1);
	});

	it('lets only a clinic administrator train it', async () => {
		await expect(trainNoShowModel(database.db, clinic.actors.frontDesk, now)).rejects.toBeInstanceOf(AccessDenied);
		await expect(trainNoShowModel(database.db, clinic.actors.teamPhysician, now)).rejects.toBeInstanceOf(AccessDenied);
		const denied = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'schedule.model_train'), eq(auditEvents.outcome, 'denied')));
		expect(denied).toHaveLength(2);
	});
});
