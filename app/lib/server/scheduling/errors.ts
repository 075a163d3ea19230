import type { Slot } from './slots';

export const schedulingRefusalCodes = [
	'slot_taken',
	'outside_hours',
	'blocked',
	'over_capacity',
	'in_past',
	'too_soon',
	'too_far',
	'stale',
	'not_bookable',
	'invalid',
	'not_allowed_status'
] as const;
export type SchedulingRefusalCode = (typeof schedulingRefusalCodes)[number];

/**
 * A booking, reschedule or status change the clinic's rules refuse. The message is a sentence
 * for the person who asked; `alternatives` are free slots to offer instead (taken or over
 * capacity). Access problems are AccessDenied / NotFound from access/errors.ts, not this.
 */
export class SchedulingRefusal extends Error {
	readonly code: SchedulingRefusalCode;
	alternatives: Slot[];
	/** HTTP status an adapter should answer with: 409 for conflicts, 400 for bad requests. */
	readonly status: 400 | 409;

	constructor(code: SchedulingRefusalCode, message: string, alternatives: Slot[] = []) {
		super(message);
		this.name = 'SchedulingRefusal';
		this.code = code;
		this.alternatives = alternatives;
		this.status = code === 'slot_taken' || code === 'over_capacity' || code === 'stale' ? 409 : 400;
	}

	/** The JSON refusal of the contract: `{ error, code, alternatives? }`. */
	toJSON(): { error: string; code: SchedulingRefusalCode; alternatives?: Slot[] } {
		return this.alternatives.length > 0 ? { error: this.message, code: this.code, alternatives: this.alternatives } : { error: this.message, code: this.code };
	}
}

/** SQLSTATE of a database error, looking through drizzle's wrapper (DrizzleQueryError.cause). */
export function sqlStateOf(error: unknown): string | null {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return null;
}

/** The exclusion constraint `appointments_no_double_booking` refused an overlapping range. */
export const exclusionViolation = '23P01';

/** Postgres detected a deadlock and rolled this transaction back (SQLSTATE 40P01). */
export const deadlockDetected = '40P01';

/**
 * Runs a booking transaction again when Postgres chose it as a deadlock victim. Concurrent
 * inserts into an exclusion-constrained range can each wait for the other's index entry
 * (PostgreSQL documents this for exclusion constraints); the victim's work was rolled back
 * whole, so running it again is safe, and the retry then meets the winner's committed row and
 * is refused as 'slot_taken' (23P01) like any other late booking.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await run();
		} catch (error) {
			if (attempt >= attempts || sqlStateOf(error) !== deadlockDetected) throw error;
		}
	}
}
