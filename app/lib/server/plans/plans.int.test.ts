import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, planDoseEvents, planProgressReadings, treatmentPlans } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { InvalidPlanInput, createPlan, getPlanTracker, listPlans, recordDose, recordReading } from './plans';
import { goalId, insertPlan, scheduleItemId } from './plan-testing';

// 10:00 in New York (the test clinic's zone) on 2 March 2026; the 08:00 dose was at 13:00Z.
const now = new Date('2026-03-02T15:00:00Z');
const morningDose = new Date('2026-03-02T13:00:00Z');

describe.each(testDatabaseKinds)('treatment plans on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let planId: string;
	let otherPlanId: string;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
		planId = (await insertPlan(database.db, clinic.patientId, { startDate: '2026-03-01' })).id;
		otherPlanId = (await insertPlan(database.db, clinic.otherPatientId, { startDate: '2026-03-01' })).id;
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const audits = async (actor: Actor, action: string) =>
		(await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.action, action)))).sort((a, b) => a.id - b.id);

	describe('createPlan', () => {
		it('lets a clinician on the care team start a plan, audited', async () => {
			const { teamPhysician } = clinic.actors;
			const plan = await createPlan(database.db, teamPhysician, clinic.patientId, { title: '  Diabetes care  ', startDate: '2026-03-01' }, now);
			expect(plan).toMatchObject({ title: 'Diabetes care', startDate: '2026-03-01', status: 'active', createdByUserId: teamPhysician.userId, patientId: clinic.patientId });
			expect((await audits(teamPhysician, 'plan.create')).at(-1)).toMatchObject({ outcome: 'success', patientId: clinic.patientId });
		});

		it('refuses the front desk, the administrator and a clinician outside the care team, and audits each refusal', async () => {
			const { frontDesk, admin, outsidePhysician, patient } = clinic.actors;
			for (const actor of [frontDesk, admin, outsidePhysician, patient]) {
				await expect(createPlan(database.db, actor, clinic.patientId, { title: 'Not allowed', startDate: '2026-03-01' }, now)).rejects.toBeInstanceOf(AccessDenied);
				expect((await audits(actor, 'plan.create')).at(-1)).toMatchObject({ outcome: 'denied', patientId: clinic.patientId });
			}
			const titles = (await database.db.select({ title: treatmentPlans.title }).from(treatmentPlans)).map((r) => r.title);
			expect(titles).not.toContain('Not allowed');
		});

		it('validates the title and the start date', async () => {
			const { teamPhysician } = clinic.actors;
			await expect(createPlan(database.db, teamPhysician, clinic.patientId, { title: ' ', startDate: '2026-03-01' }, now)).rejects.toMatchObject({ field: 'title' });
			await expect(createPlan(database.db, teamPhysician, clinic.patientId, { title: 'Plan', startDate: '2026-02-30x' }, now)).rejects.toBeInstanceOf(InvalidPlanInput);
			await expect(createPlan(database.db, teamPhysician, clinic.patientId, { title: 'Plan', startDate: '2030-01-01' }, now)).rejects.toMatchObject({ field: 'startDate' });
		});
	});

	describe('listPlans and the tracker', () => {
		it('shows the patient and a records proxy their plans, hides drafts from them, and refuses a proxy without the records scope', async () => {
			const { patient, recordsProxy, appointmentsProxy, teamPhysician } = clinic.actors;
			const draft = await insertPlan(database.db, clinic.patientId, { startDate: '2026-03-01', status: 'draft' });
			const forPatient = (await listPlans(database.db, patient, clinic.patientId)).map((p) => p.id);
			expect(forPatient).toContain(planId);
			expect(forPatient).not.toContain(draft.id);
			expect((await listPlans(database.db, recordsProxy, clinic.patientId)).map((p) => p.id)).toContain(planId);
			expect((await listPlans(database.db, teamPhysician, clinic.patientId)).map((p) => p.id)).toContain(draft.id);
			await expect(listPlans(database.db, appointmentsProxy, clinic.patientId)).rejects.toBeInstanceOf(AccessDenied);
			await expect(getPlanTracker(database.db, patient, draft.id, now)).rejects.toBeInstanceOf(NotFound);
		});

		it('lists today’s doses in the clinic’s zone and the goals with their expected path', async () => {
			const tracker = await getPlanTracker(database.db, clinic.actors.patient, planId, now);
			expect(tracker.today).toBe('2026-03-02');
			expect(tracker.doses.filter((d) => d.localDate === '2026-03-02').map((d) => [d.localTime, d.scheduledFor, d.recordable])).toEqual([
				['08:00', '2026-03-02T13:00:00.000Z', true],
				['20:00', '2026-03-03T01:00:00.000Z', false]
			]);
			expect(tracker.goals[0]!.goal.id).toBe(goalId);
			expect(tracker.goals[0]!.trajectory).toHaveLength(2);
		});
	});

	describe('recordDose', () => {
		it('records the patient’s dose once; a second answer replaces the first; adherence follows', async () => {
			const { patient } = clinic.actors;
			await recordDose(database.db, patient, planId, { scheduleItemId, scheduledFor: morningDose.toISOString(), status: 'skipped' }, now);
			await recordDose(database.db, patient, planId, { scheduleItemId, scheduledFor: morningDose.toISOString(), status: 'taken' }, now);
			const rows = await database.db.select().from(planDoseEvents).where(eq(planDoseEvents.planId, planId));
			expect(rows.map((r) => [r.status, r.scheduledFor.toISOString(), r.recordedByUserId])).toEqual([['taken', morningDose.toISOString(), patient.userId]]);
			expect((await audits(patient, 'plan.dose_record')).at(-1)).toMatchObject({ outcome: 'success', resourceId: planId });
			const tracker = await getPlanTracker(database.db, patient, planId, now);
			// Due since the start (1 March 00:00): 08:00 and 20:00 on the 1st, 08:00 on the 2nd; one taken.
			expect(tracker.adherence.sinceStart).toMatchObject({ due: 3, taken: 1, percent: 33 });
		});

		it('lets a proxy with the records scope record, and refuses a patient on someone else’s plan and a proxy without the scope', async () => {
			const { patient, recordsProxy, appointmentsProxy, frontDesk } = clinic.actors;
			const evening = new Date('2026-03-02T01:00:00Z'); // 20:00 on 1 March in New York
			await recordDose(database.db, recordsProxy, planId, { scheduleItemId, scheduledFor: evening, status: 'taken' }, now);
			for (const actor of [appointmentsProxy, frontDesk]) {
				await expect(recordDose(database.db, actor, planId, { scheduleItemId, scheduledFor: evening, status: 'taken' }, now)).rejects.toBeInstanceOf(AccessDenied);
			}
			await expect(recordDose(database.db, patient, otherPlanId, { scheduleItemId, scheduledFor: morningDose, status: 'taken' }, now)).rejects.toBeInstanceOf(AccessDenied);
			expect((await audits(patient, 'plan.dose_record')).at(-1)).toMatchObject({ outcome: 'denied', patientId: clinic.otherPatientId });
			expect(await database.db.select().from(planDoseEvents).where(eq(planDoseEvents.planId, otherPlanId))).toEqual([]);
		});

		it('rejects unknown schedule entries, times off the schedule, doses not due yet and unknown plans', async () => {
			const { patient } = clinic.actors;
			const attempt = (input: Record<string, unknown>) => recordDose(database.db, patient, planId, { scheduleItemId, scheduledFor: morningDose, status: 'taken', ...input }, now);
			await expect(attempt({ scheduleItemId: 'not-on-the-plan' })).rejects.toMatchObject({ field: 'scheduleItemId' });
			await expect(attempt({ scheduledFor: new Date('2026-03-02T13:30:00Z') })).rejects.toMatchObject({ field: 'scheduledFor' });
			await expect(attempt({ scheduledFor: new Date('2026-03-03T13:00:00Z') })).rejects.toMatchObject({ field: 'scheduledFor', message: 'That dose is not due yet.' });
			await expect(attempt({ scheduledFor: new Date('2026-02-28T13:00:00Z') })).rejects.toMatchObject({ field: 'scheduledFor' }); // before the plan starts
			await expect(attempt({ status: 'maybe' })).rejects.toMatchObject({ field: 'status' });
			await expect(recordDose(database.db, patient, '00000000-0000-4000-8000-000000000000', { scheduleItemId, scheduledFor: morningDose, status: 'taken' }, now)).rejects.toBeInstanceOf(NotFound);
		});
	});

	describe('recordReading', () => {
		it('records a reading in the goal’s unit; the care team may too', async () => {
			const { patient, teamPhysician } = clinic.actors;
			await recordReading(database.db, patient, planId, { goalId, value: '142', measuredAt: '2026-03-02T14:30:00Z' }, now);
			await recordReading(database.db, teamPhysician, planId, { goalId, value: 139, unit: 'mmHg', measuredAt: new Date('2026-03-02T14:45:00Z') }, now);
			const rows = await database.db.select().from(planProgressReadings).where(eq(planProgressReadings.planId, planId));
			expect(rows.map((r) => [r.value, r.unit]).sort()).toEqual([
				[139, 'mmHg'],
				[142, 'mmHg']
			]);
			const tracker = await getPlanTracker(database.db, patient, planId, now);
			expect(tracker.goals[0]!.readings.map((r) => r.value)).toEqual([142, 139]);
		});

		it('rejects unknown goals, other units, absurd values and future times', async () => {
			const { patient } = clinic.actors;
			const attempt = (input: Record<string, unknown>) => recordReading(database.db, patient, planId, { goalId, value: 140, measuredAt: now, ...input }, now);
			await expect(attempt({ goalId: 'no-such-goal' })).rejects.toMatchObject({ field: 'goalId' });
			await expect(attempt({ unit: 'kPa' })).rejects.toMatchObject({ field: 'unit' });
			await expect(attempt({ value: 1400 })).rejects.toMatchObject({ field: 'value' });
			await expect(attempt({ value: 'a lot' })).rejects.toMatchObject({ field: 'value' });
			await expect(attempt({ value: ' ' })).rejects.toMatchObject({ field: 'value' });
			await expect(attempt({ value: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ field: 'value' });
			await expect(attempt({ measuredAt: new Date(now.getTime() + 3600_000) })).rejects.toMatchObject({ field: 'measuredAt' });
		});

		it('refuses a patient recording on someone else’s plan', async () => {
			const { patient } = clinic.actors;
			await expect(recordReading(database.db, patient, otherPlanId, { goalId, value: 140, measuredAt: now }, now)).rejects.toBeInstanceOf(AccessDenied);
			expect(await database.db.select().from(planProgressReadings).where(eq(planProgressReadings.planId, otherPlanId))).toEqual([]);
		});
	});
});
