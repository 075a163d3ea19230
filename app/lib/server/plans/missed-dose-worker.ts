import { and, eq, gte, inArray } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, patients, planDoseEvents, planMissedDoseAlerts, treatmentPlans, users, type TreatmentPlan } from '../../../../db/schema/index';
import type { Logger } from '../platform/logger';
import { pushNotifications, writeNotifications } from '../notifications/notifications';
import { formatDoseTime } from './plan-format';
import { doseKey, scheduledDoses, type ScheduledDose } from './doses';
import { clinicTimeZone } from './plans';
import { planContentOf } from './plan-content';
import { zonedInstant } from './clinic-time';
import { announceDuePlanChanges } from './plan-change-notices';

/**
 * Missed-dose alerts. Each tick looks at the active plans' doses that were due more than a
 * grace period ago (the patient may record a dose a little late) and have no record, writes one
 * plan_missed_dose_alerts row per dose (its unique index makes each dose alert once, even with
 * two workers or a restart), and tells the patient's care team in the app.
 *
 * Doses older than the look-back are not alerted after a long outage: a flood of stale alerts
 * helps no one. Doses scheduled before the plan was created are never alerted (the patient
 * could not have known about them).
 *
 * The same tick announces plan changes whose in-process notice was lost (see
 * plan-change-notices.ts).
 */

export const missedDoseGraceMs = 2 * 3600_000;
export const missedDoseLookbackMs = 24 * 3600_000;

export interface MissedDoseWorkerOptions {
	db: Database;
	logger: Logger;
	intervalMs?: number;
	graceMs?: number;
	lookbackMs?: number;
	/** Quiet time before a changed plan is announced; the sweep announces what a lost timer left. */
	noticeDelayMs?: number;
	/** The clock (tests). */
	now?: () => Date;
}

export interface MissedDoseWorker {
	/** One pass now; resolves with the number of new alerts. Passes never overlap. */
	tick(): Promise<number>;
	stop(): Promise<void>;
}

export function startMissedDoseWorker(options: MissedDoseWorkerOptions): MissedDoseWorker {
	const { db, logger } = options;
	const intervalMs = options.intervalMs ?? 60_000;
	const now = options.now ?? (() => new Date());
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running: Promise<number> | undefined;
	let stopped = false;

	const tick = (): Promise<number> => {
		running ??= (async () => {
			try {
				const at = now();
				const alerts = await alertMissedDoses(db, at, options.graceMs ?? missedDoseGraceMs, options.lookbackMs ?? missedDoseLookbackMs);
				await announceDuePlanChanges(db, at, options.noticeDelayMs);
				return alerts;
			} finally {
				running = undefined;
			}
		})();
		return running;
	};

	const loop = () => {
		if (stopped) return;
		tick()
			.catch((error: Error) => logger.error({ err: { name: error.name, message: error.message } }, 'missed-dose check failed'))
			.finally(() => {
				if (stopped) return;
				timer = setTimeout(loop, intervalMs);
				timer.unref?.();
			});
	};
	// The first pass waits one interval: the server has just started and has other work first.
	timer = setTimeout(loop, intervalMs);
	timer.unref?.();

	return {
		tick,
		stop: async () => {
			stopped = true;
			clearTimeout(timer);
			await running?.catch(() => {});
		}
	};
}

/** One pass: alerts for every unrecorded dose due between the look-back and the grace period. Returns how many. */
export async function alertMissedDoses(db: Database, now: Date, graceMs = missedDoseGraceMs, lookbackMs = missedDoseLookbackMs): Promise<number> {
	const plans = await db.select().from(treatmentPlans).where(eq(treatmentPlans.status, 'active'));
	if (plans.length === 0) return 0;
	const timeZone = await clinicTimeZone(db);
	let alerts = 0;
	for (const plan of plans) alerts += await alertPlan(db, plan, timeZone, now, graceMs, lookbackMs);
	return alerts;
}

async function alertPlan(db: Database, plan: TreatmentPlan, timeZone: string, now: Date, graceMs: number, lookbackMs: number): Promise<number> {
	const schedule = planContentOf(plan.content).medicationSchedule;
	if (schedule.length === 0) return 0;
	const starts = [new Date(now.getTime() - lookbackMs), plan.createdAt, zonedInstant(plan.startDate, '00:00', timeZone)];
	const from = new Date(Math.max(...starts.map((d) => d.getTime())));
	const doses = scheduledDoses(schedule, from, new Date(now.getTime() - graceMs), timeZone);
	if (doses.length === 0) return 0;
	const [events, alerted] = await Promise.all([
		db.select({ scheduleItemId: planDoseEvents.scheduleItemId, scheduledFor: planDoseEvents.scheduledFor }).from(planDoseEvents).where(and(eq(planDoseEvents.planId, plan.id), gte(planDoseEvents.scheduledFor, from))),
		db
			.select({ scheduleItemId: planMissedDoseAlerts.scheduleItemId, scheduledFor: planMissedDoseAlerts.scheduledFor })
			.from(planMissedDoseAlerts)
			.where(and(eq(planMissedDoseAlerts.planId, plan.id), gte(planMissedDoseAlerts.scheduledFor, from)))
	]);
	const known = new Set([...events, ...alerted].map(doseKey));
	const missed = doses.filter((dose) => !known.has(doseKey(dose)));
	if (missed.length === 0) return 0;

	const written = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		// The unique index decides which doses are new, should another worker race this one.
		const fresh: ScheduledDose[] = [];
		for (const dose of missed) {
			const inserted = await tx
				.insert(planMissedDoseAlerts)
				.values({ planId: plan.id, scheduleItemId: dose.scheduleItemId, scheduledFor: dose.scheduledFor, alertedAt: now })
				.onConflictDoNothing()
				.returning({ id: planMissedDoseAlerts.id });
			if (inserted.length > 0) fresh.push(dose);
		}
		if (fresh.length === 0) return { count: 0, rows: [] };
		const [patient] = await tx.select({ givenName: patients.givenName, familyName: patients.familyName }).from(patients).where(eq(patients.id, plan.patientId));
		const careTeam = await careTeamUserIds(tx, plan.patientId);
		const name = patient ? `${patient.givenName} ${patient.familyName}` : 'A patient';
		const list = fresh.map((d) => `${d.medication}${d.dose ? ` ${d.dose}` : ''} at ${formatDoseTime(d, timeZone)}`).join('; ');
		const rows = await writeNotifications(tx, careTeam, {
			kind: 'plan.missed_dose',
			title: fresh.length === 1 ? `Missed dose: ${name}` : `${fresh.length} missed doses: ${name}`,
			body: `Not recorded as taken on “${plan.title}”: ${list}.`,
			link: `/patients/${plan.patientId}/plans/${plan.id}`,
			patientId: plan.patientId
		});
		return { count: fresh.length, rows };
	});
	pushNotifications(written.rows);
	return written.count;
}

/** Accounts of the practitioners on the patient's care teams. */
export async function careTeamUserIds(db: Database, patientId: string): Promise<string[]> {
	const members = await db
		.select({ practitionerId: careTeamMembers.practitionerId })
		.from(careTeamMembers)
		.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
		.where(eq(careTeams.patientId, patientId));
	if (members.length === 0) return [];
	const accounts = await db
		.select({ id: users.id })
		.from(users)
		.where(and(inArray(users.practitionerId, [...new Set(members.map((m) => m.practitionerId))]), eq(users.active, true)));
	return accounts.map((a) => a.id);
}
