/**
 * Test helpers for the treatment plan tests: a plan row with projected content written
 * directly (the shape readPlan produces), and a fake clock for the notice debounce.
 * Test-only; nothing in the app imports it.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { treatmentPlans, type TreatmentPlan } from '../../../../db/schema/index';
import type { NoticeClock } from './plan-change-notices';

export const goalId = '6c1d7c3e-1111-4a4a-8a8a-000000000001';
export const scheduleItemId = '6c1d7c3e-2222-4a4a-8a8a-000000000002';

export function planContent(options: { startDate: string; times?: string[]; title?: string }) {
	return {
		meta: { title: options.title ?? 'Blood pressure plan', status: 'active', startDate: options.startDate },
		goals: [
			{
				id: goalId,
				description: 'Lower systolic blood pressure',
				measure: 'systolic_bp',
				unit: 'mmHg',
				baseline: 150,
				target: 130,
				direction: 'decrease',
				targetDate: '2099-01-01'
			}
		],
		interventions: [],
		medicationSchedule: [
			{ id: scheduleItemId, medication: 'Lisinopril', dose: '10 mg', times: options.times ?? ['08:00', '20:00'], startDate: options.startDate, endDate: null, instructions: '' }
		],
		reviewDates: []
	};
}

/** A plan with content, as if its document had been edited and projected. */
export async function insertPlan(db: Database, patientId: string, options: { startDate: string; createdAt?: Date; times?: string[]; status?: TreatmentPlan['status'] }): Promise<TreatmentPlan> {
	const [plan] = await db
		.insert(treatmentPlans)
		.values({
			patientId,
			title: 'Blood pressure plan',
			status: options.status ?? 'active',
			startDate: options.startDate,
			content: planContent(options),
			createdAt: options.createdAt ?? new Date(`${options.startDate}T00:00:00Z`)
		})
		.returning();
	return plan!;
}

export async function setPlanContent(db: Database, planId: string, content: Record<string, unknown>): Promise<void> {
	await db.update(treatmentPlans).set({ content }).where(eq(treatmentPlans.id, planId));
}

/** Timers that run only when the test advances the clock. */
export class FakeClock implements NoticeClock {
	private current: number;
	private timers: { at: number; callback: () => void; id: number }[] = [];
	private nextId = 1;

	constructor(start: Date) {
		this.current = start.getTime();
	}

	now(): number {
		return this.current;
	}

	setTimeout(callback: () => void, ms: number): unknown {
		const id = this.nextId++;
		this.timers.push({ at: this.current + ms, callback, id });
		return id;
	}

	clearTimeout(handle: unknown): void {
		this.timers = this.timers.filter((t) => t.id !== handle);
	}

	get pendingTimers(): number {
		return this.timers.length;
	}

	/** Moves time forward, running the timers that fall due, in order. */
	advance(ms: number): void {
		const until = this.current + ms;
		for (;;) {
			const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
			if (!next) break;
			this.timers = this.timers.filter((t) => t !== next);
			this.current = next.at;
			next.callback();
		}
		this.current = until;
	}
}
