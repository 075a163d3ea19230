import type { Database } from '../../../../db/client';

// STUB(issue-6): the capacity helper replaces these bodies; booking and slot search already call them.

export interface CapacityBooking {
	practitionerId: string;
	locationId: string | null;
	startsAt: Date;
	/** Minutes the visit books (its duration, without buffer). */
	bookedMinutes: number;
	/** A reschedule does not count the appointment being moved. */
	excludeAppointmentId?: string;
}

export type CapacityCheck = { allowed: true } | { allowed: false; reason: string };

/**
 * Inside the booking's transaction: would this booking pass a clinic, location or provider
 * threshold for its day? Serialises bookings of one clinic day (advisory lock) so two concurrent
 * bookings cannot both take the last place.
 */
export async function checkCapacity(tx: Database, booking: CapacityBooking): Promise<CapacityCheck> {
	void tx;
	void booking;
	return { allowed: true };
}

/** After a committed change: alert staff when a touched day's utilization is near or past a threshold. */
export async function alertOnCapacity(db: Database, touched: { practitionerIds: string[]; locationIds: (string | null)[]; days: string[] }): Promise<void> {
	void db;
	void touched;
}

/**
 * For slot search: a predicate saying whether one more visit of `minutes` fits every threshold
 * for that provider, location and clinic day. Loads the day's counts once for all candidates.
 */
export async function capacityPredicate(
	db: Database,
	scope: { practitionerIds: string[]; days: string[] }
): Promise<(slot: { practitionerId: string; locationId: string | null; day: string; minutes: number }) => boolean> {
	void db;
	void scope;
	return () => true;
}
