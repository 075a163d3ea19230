import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { notifications, planMissedDoseAlerts, users } from '../../../../db/schema/index';
import { createLogger } from '../platform/logger';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { onNotification, type NotificationEvent } from '../notifications/notification-events';
import { alertMissedDoses, startMissedDoseWorker } from './missed-dose-worker';
import { recordDose } from './plans';
import { insertPlan, scheduleItemId } from './plan-testing';

// Plan from 1 March 2026 in New York, doses at 08:00 and 20:00 (13:00Z and 01:00Z next day).
const startDate = '2026-03-01';

describe.each(testDatabaseKinds)('missed-dose alerts on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let planId: string;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
		planId = (await insertPlan(database.db, clinic.patientId, { startDate, createdAt: new Date('2026-03-01T05:00:00Z') })).id;
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const notificationsOf = (userId: string) => database.db.select().from(notifications).where(eq(notifications.userId, userId));

	it('alerts the care team once per dose left unrecorded past the grace period, and not doses recorded in time', async () => {
		const pushed: NotificationEvent[] = [];
		const unsubscribe = onNotification((event) => pushed.push(event));
		try {
			// The 08:00 dose on 1 March was taken; the 20:00 one was not. At 03:30Z on the 2nd the
			// evening dose is 2.5 h late (grace 2 h); the next morning's is not due yet.
			await recordDose(database.db, clinic.actors.patient, planId, { scheduleItemId, scheduledFor: new Date('2026-03-01T13:00:00Z'), status: 'taken' }, new Date('2026-03-01T13:05:00Z'));
			const at = new Date('2026-03-02T03:30:00Z');
			expect(await alertMissedDoses(database.db, at)).toBe(1);
			const alerts = await database.db.select().from(planMissedDoseAlerts).where(eq(planMissedDoseAlerts.planId, planId));
			expect(alerts.map((a) => a.scheduledFor.toISOString())).toEqual(['2026-03-02T01:00:00.000Z']);

			const [toPhysician] = await notificationsOf(clinic.actors.teamPhysician.userId);
			expect(toPhysician).toMatchObject({ kind: 'plan.missed_dose', title: 'Missed dose: Maria Lopez', link: `/patients/${clinic.patientId}/plans/${planId}`, patientId: clinic.patientId });
			expect(toPhysician!.body).toContain('Lisinopril 10 mg at Mar 1, 2026, 20:00');
			// Only the care team: not the clinician outside it, not the patient.
			expect(await notificationsOf(clinic.actors.outsidePhysician.userId)).toEqual([]);
			expect(await notificationsOf(clinic.actors.patient.userId)).toEqual([]);
			expect(pushed.map((p) => p.userId)).toEqual([clinic.actors.teamPhysician.userId]);

			// The next passes find nothing new for that dose.
			expect(await alertMissedDoses(database.db, at)).toBe(0);
			expect(await alertMissedDoses(database.db, new Date('2026-03-02T04:00:00Z'))).toBe(0);
			expect(await notificationsOf(clinic.actors.teamPhysician.userId)).toHaveLength(1);
		} finally {
			unsubscribe();
		}
	});

	it('skips deactivated care team accounts and doses older than the look-back', async () => {
		await database.db.update(users).set({ active: false }).where(eq(users.id, clinic.actors.teamPhysician.userId));
		try {
			// Three days later, with a one-day look-back: only the doses of the last day are alerted.
			const at = new Date('2026-03-05T03:30:00Z');
			expect(await alertMissedDoses(database.db, at)).toBe(2);
			expect(await notificationsOf(clinic.actors.teamPhysician.userId)).toHaveLength(1);
		} finally {
			await database.db.update(users).set({ active: true }).where(eq(users.id, clinic.actors.teamPhysician.userId));
		}
	});

	it('runs on its interval with an injected clock and stops cleanly', async () => {
		let clock = new Date('2026-03-05T15:30:00Z');
		const worker = startMissedDoseWorker({ db: database.db, logger: createLogger('silent'), intervalMs: 60_000, now: () => clock });
		try {
			// The 08:00 dose of 5 March (13:00Z) is 2.5 h late.
			expect(await worker.tick()).toBe(1);
			clock = new Date('2026-03-05T16:00:00Z');
			expect(await worker.tick()).toBe(0);
		} finally {
			await worker.stop();
		}
	});
});
