import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { notifications, outboxMessages, treatmentPlans } from '../../../../db/schema/index';
import { readPlan, setPlanMeta, upsertPlanGoal, upsertScheduledMedication } from '../../collab/plan-shape';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { createPlan } from './plans';
import { projectPlan, seedPlanDocument } from './plan-projection';
import { PlanChangeNotices, announceDuePlanChanges, planNoticeDelayMs } from './plan-change-notices';
import { FakeClock } from './plan-testing';

const goalUuid = '0b9e2f5a-3c1d-4e6f-8a7b-9c0d1e2f3a4b';
const medUuid = '1c0f3e6b-4d2e-4f70-9b8c-0d1e2f3a4b5c';

const goal = {
	description: 'Lower systolic blood pressure',
	measure: 'systolic_bp',
	unit: 'mmHg',
	baseline: 150,
	target: 130,
	direction: 'decrease' as const,
	targetDate: '2026-06-01'
};

describe.each(testDatabaseKinds)('plan projection and the patient notice on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const planRow = async (id: string) => (await database.db.select().from(treatmentPlans).where(eq(treatmentPlans.id, id)))[0]!;
	const notificationsOf = (userId: string) => database.db.select().from(notifications).where(eq(notifications.userId, userId));
	const start = new Date('2026-03-02T15:00:00Z');

	async function newPlan(title: string) {
		const plan = await createPlan(database.db, clinic.actors.teamPhysician, clinic.patientId, { title, startDate: '2026-03-01' }, start);
		const doc = new Y.Doc();
		await seedPlanDocument(database.db, plan.id, doc);
		return { plan, doc };
	}

	it('seeds a new document from the row, once', async () => {
		const { plan, doc } = await newPlan('Blood pressure');
		expect(readPlan(doc).meta).toEqual({ title: 'Blood pressure', status: 'active', startDate: '2026-03-01' });
		setPlanMeta(doc, { title: 'Renamed in the document' });
		await seedPlanDocument(database.db, plan.id, doc);
		expect(readPlan(doc).meta?.title).toBe('Renamed in the document');
	});

	it('projects the content, and tells the patient and the records proxy once, two minutes after the last change', async () => {
		const { plan, doc } = await newPlan('Hypertension');
		const clock = new FakeClock(start);
		const notices = new PlanChangeNotices({ clock });

		upsertPlanGoal(doc, goalUuid, goal);
		await projectPlan(database.db, plan.id, doc, { now: new Date(clock.now()), notices });
		let row = await planRow(plan.id);
		expect(row.content).toMatchObject({ goals: [{ id: goalUuid, target: 130 }], meta: { title: 'Hypertension' } });
		expect(row.contentChangedAt?.toISOString()).toBe(start.toISOString());
		expect(notices.isPending(plan.id)).toBe(true);

		// A second change a minute later restarts the two minutes.
		clock.advance(60_000);
		upsertScheduledMedication(doc, medUuid, { medication: 'Lisinopril', dose: '10 mg', times: ['08:00'], startDate: '2026-03-01', endDate: null, instructions: '' });
		setPlanMeta(doc, { title: 'Hypertension care' });
		await projectPlan(database.db, plan.id, doc, { now: new Date(clock.now()), notices });
		row = await planRow(plan.id);
		expect(row.title).toBe('Hypertension care');

		clock.advance(planNoticeDelayMs - 1_000);
		await notices.idle();
		expect(await notificationsOf(clinic.actors.patient.userId)).toEqual([]);

		clock.advance(1_000);
		await notices.idle();
		const [toPatient] = await notificationsOf(clinic.actors.patient.userId);
		expect(toPatient).toMatchObject({ kind: 'plan.changed', link: `/portal/plans/${plan.id}`, patientId: clinic.patientId });
		expect(await notificationsOf(clinic.actors.recordsProxy.userId)).toHaveLength(1);
		expect(await notificationsOf(clinic.actors.appointmentsProxy.userId)).toEqual([]);

		// The email says there is news and nothing else: no name, no plan title, no medication.
		const emails = await database.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'plan.changed'));
		expect(emails.map((e) => e.recipient).sort()).toEqual(['carer@example.org', 'maria@example.org']);
		for (const email of emails) {
			const text = JSON.stringify(email.payload);
			expect(text).toContain('Your care team updated your treatment plan. Sign in to see it.');
			for (const detail of ['Maria', 'Lopez', 'Hypertension', 'Lisinopril']) expect(text).not.toContain(detail);
		}
		expect((await planRow(plan.id)).patientNotifiedAt?.getTime()).toBe(clock.now());

		// Nothing new: a projection of the same content schedules nothing, the sweep finds nothing.
		await projectPlan(database.db, plan.id, doc, { now: new Date(clock.now()), notices });
		expect(notices.isPending(plan.id)).toBe(false);
		expect(await announceDuePlanChanges(database.db, new Date(clock.now() + planNoticeDelayMs))).toBe(0);
		expect(await notificationsOf(clinic.actors.patient.userId)).toHaveLength(1);
	});

	it('still announces a long editing session after ten minutes, and a change whose timer was lost through the sweep', async () => {
		const { plan, doc } = await newPlan('Long session');
		const clock = new FakeClock(start);
		const notices = new PlanChangeNotices({ clock });
		const before = (await notificationsOf(clinic.actors.patient.userId)).length;
		for (let minute = 0; minute < 11; minute++) {
			upsertPlanGoal(doc, goalUuid, { ...goal, target: 130 - minute });
			await projectPlan(database.db, plan.id, doc, { now: new Date(clock.now()), notices });
			clock.advance(60_000);
			await notices.idle();
		}
		expect((await notificationsOf(clinic.actors.patient.userId)).length).toBe(before + 1);
		notices.stop();

		// A change made just before a restart: no timer survives, the worker's sweep announces it.
		upsertPlanGoal(doc, goalUuid, { ...goal, target: 110 });
		const changedAt = new Date(clock.now());
		await projectPlan(database.db, plan.id, doc, { now: changedAt, notices: new PlanChangeNotices({ clock: new FakeClock(changedAt) }) });
		expect(await announceDuePlanChanges(database.db, new Date(changedAt.getTime() + 60_000))).toBe(0);
		expect(await announceDuePlanChanges(database.db, new Date(changedAt.getTime() + planNoticeDelayMs))).toBe(1);
		expect((await notificationsOf(clinic.actors.patient.userId)).length).toBe(before + 2);
	});

	it('does not tell the patient about a draft', async () => {
		const { plan, doc } = await newPlan('Draft plan');
		const clock = new FakeClock(start);
		const notices = new PlanChangeNotices({ clock });
		const before = (await notificationsOf(clinic.actors.patient.userId)).length;
		setPlanMeta(doc, { status: 'draft' });
		upsertPlanGoal(doc, goalUuid, goal);
		await projectPlan(database.db, plan.id, doc, { now: new Date(clock.now()), notices });
		expect((await planRow(plan.id)).status).toBe('draft');
		clock.advance(planNoticeDelayMs);
		await notices.idle();
		expect(await notificationsOf(clinic.actors.patient.userId)).toHaveLength(before);
	});
});
