import { and, eq, gt, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { proxyGrants, treatmentPlans, users, type Notification } from '../../../../db/schema/index';
import { pushNotifications, writeNotifications } from '../notifications/notifications';

/**
 * "Your care team updated your treatment plan": told to the patient (and proxies whose grant
 * carries the records scope) once the clinicians have stopped editing for a while, not on every
 * keystroke. Two parts:
 *  - PlanChangeNotices, an in-process trailing debounce per plan that projectPlan feeds, so the
 *    notice goes out about two minutes after the last change (and at most ten minutes after the
 *    first, so a long editing session still announces itself);
 *  - announceDuePlanChanges, a sweep the missed-dose worker runs each tick, which catches the
 *    changes whose timer died with a restart.
 * Both end in announcePlanChange, whose conditional update (content changed after the last
 * notice) makes a second announcement of the same change a no-op.
 */

export const planNoticeDelayMs = 2 * 60_000;
export const planNoticeMaxWaitMs = 10 * 60_000;

export const planChangedEmail = {
	subject: 'Your care team updated your treatment plan',
	// No patient details: email leaves the clinic's control.
	text: ['Hello,', '', 'Your care team updated your treatment plan. Sign in to see it.', '', 'This message was sent by your clinic’s patient portal.'].join('\n')
};

/** Portal accounts that follow this patient's plans: the patient and proxies with the records scope. */
async function planFollowers(db: Database, patientId: string, now: Date): Promise<string[]> {
	const [own, proxies] = await Promise.all([
		db.select({ id: users.id }).from(users).where(and(eq(users.patientId, patientId), eq(users.role, 'patient'), eq(users.active, true))),
		db
			.select({ id: proxyGrants.proxyUserId })
			.from(proxyGrants)
			.where(
				and(
					eq(proxyGrants.patientId, patientId),
					isNull(proxyGrants.revokedAt),
					or(isNull(proxyGrants.expiresAt), gt(proxyGrants.expiresAt, now)),
					sql`'records' = any(${proxyGrants.scopes})`
				)
			)
	]);
	return [...own, ...proxies].map((r) => r.id);
}

/**
 * Tells the patient the plan changed, if it changed since they were last told and is not a
 * draft. Returns the notifications written (none when there was nothing new to tell).
 */
export async function announcePlanChange(db: Database, planId: string, now = new Date()): Promise<Notification[]> {
	const rows = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [plan] = await tx
			.update(treatmentPlans)
			.set({ patientNotifiedAt: now })
			.where(
				and(
					eq(treatmentPlans.id, planId),
					ne(treatmentPlans.status, 'draft'),
					isNotNull(treatmentPlans.contentChangedAt),
					or(isNull(treatmentPlans.patientNotifiedAt), lt(treatmentPlans.patientNotifiedAt, treatmentPlans.contentChangedAt))
				)
			)
			.returning({ id: treatmentPlans.id, patientId: treatmentPlans.patientId, title: treatmentPlans.title, contentChangedAt: treatmentPlans.contentChangedAt });
		if (!plan) return [];
		return writeNotifications(tx, await planFollowers(tx, plan.patientId, now), {
			kind: 'plan.changed',
			title: 'Treatment plan updated',
			body: `The care team updated “${plan.title}”. Open it to see what changed.`,
			link: `/portal/plans/${plan.id}`,
			patientId: plan.patientId,
			email: { ...planChangedEmail, idempotencyKey: `plan-changed:${plan.id}:${plan.contentChangedAt!.getTime()}` }
		});
	});
	pushNotifications(rows);
	return rows;
}

/** Announces every plan whose last change is older than the debounce and was not announced yet. */
export async function announceDuePlanChanges(db: Database, now = new Date(), delayMs = planNoticeDelayMs): Promise<number> {
	const due = await db
		.select({ id: treatmentPlans.id })
		.from(treatmentPlans)
		.where(
			and(
				ne(treatmentPlans.status, 'draft'),
				isNotNull(treatmentPlans.contentChangedAt),
				lte(treatmentPlans.contentChangedAt, new Date(now.getTime() - delayMs)),
				or(isNull(treatmentPlans.patientNotifiedAt), lt(treatmentPlans.patientNotifiedAt, treatmentPlans.contentChangedAt))
			)
		);
	let announced = 0;
	for (const plan of due) if ((await announcePlanChange(db, plan.id, now)).length > 0) announced += 1;
	return announced;
}

/** The clock and timers the debounce uses; tests pass fake ones. */
export interface NoticeClock {
	now(): number;
	setTimeout(callback: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

export const systemClock: NoticeClock = {
	now: () => Date.now(),
	setTimeout: (callback, ms) => {
		const handle = setTimeout(callback, ms);
		// A pending notice must not keep the process alive; the sweep catches it after a restart.
		handle.unref?.();
		return handle;
	},
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

interface PendingNotice {
	db: Database;
	firstChangeAt: number;
	timer: unknown;
}

export interface PlanChangeNoticesOptions {
	delayMs?: number;
	maxWaitMs?: number;
	clock?: NoticeClock;
	announce?: (db: Database, planId: string, now: Date) => Promise<unknown>;
	onError?: (error: Error, planId: string) => void;
}

/** The per-plan trailing debounce (see the top of this file). */
export class PlanChangeNotices {
	private readonly pending = new Map<string, PendingNotice>();
	private readonly running = new Set<Promise<unknown>>();
	private readonly delayMs: number;
	private readonly maxWaitMs: number;
	private readonly clock: NoticeClock;
	private readonly announce: NonNullable<PlanChangeNoticesOptions['announce']>;
	private readonly onError: NonNullable<PlanChangeNoticesOptions['onError']>;

	constructor(options: PlanChangeNoticesOptions = {}) {
		this.delayMs = options.delayMs ?? planNoticeDelayMs;
		this.maxWaitMs = options.maxWaitMs ?? planNoticeMaxWaitMs;
		this.clock = options.clock ?? systemClock;
		this.announce = options.announce ?? announcePlanChange;
		this.onError = options.onError ?? (() => {});
	}

	/** The plan's content changed: (re)start its timer. */
	schedule(db: Database, planId: string): void {
		const now = this.clock.now();
		const existing = this.pending.get(planId);
		if (existing) this.clock.clearTimeout(existing.timer);
		const firstChangeAt = existing?.firstChangeAt ?? now;
		const wait = Math.max(0, Math.min(this.delayMs, firstChangeAt + this.maxWaitMs - now));
		this.pending.set(planId, { db, firstChangeAt, timer: this.clock.setTimeout(() => this.fire(planId), wait) });
	}

	isPending(planId: string): boolean {
		return this.pending.has(planId);
	}

	/** Announces every pending plan now (shutdown) and waits for the announcements in flight. */
	async flush(): Promise<void> {
		for (const planId of [...this.pending.keys()]) this.fire(planId);
		await this.idle();
	}

	/** Waits for the announcements in flight (tests). */
	async idle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running]);
	}

	/** Forgets pending notices without announcing (the sweep will find them later). */
	stop(): void {
		for (const notice of this.pending.values()) this.clock.clearTimeout(notice.timer);
		this.pending.clear();
	}

	private fire(planId: string): void {
		const notice = this.pending.get(planId);
		if (!notice) return;
		this.clock.clearTimeout(notice.timer);
		this.pending.delete(planId);
		const run = this.announce(notice.db, planId, new Date(this.clock.now()))
			.catch((error: Error) => this.onError(error, planId))
			.finally(() => this.running.delete(run));
		this.running.add(run);
	}
}

const noticesKey = Symbol.for('clinicsync.plan-change-notices');
type NoticesHolder = { [noticesKey]?: PlanChangeNotices };

/** Replaces the process's debounce (the server does this at start-up with the configured delay). */
export function configurePlanChangeNotices(options: PlanChangeNoticesOptions): void {
	const holder = globalThis as NoticesHolder;
	holder[noticesKey]?.stop();
	holder[noticesKey] = new PlanChangeNotices(options);
}

/** The process's debounce, shared by every copy of this module (as the event buses are). */
export function planChangeNotices(): PlanChangeNotices {
	const holder = globalThis as NoticesHolder;
	return (holder[noticesKey] ??= new PlanChangeNotices());
}
