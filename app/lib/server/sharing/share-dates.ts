import { addYears, epochDayOf, isoDateOf, zonedDay, zonedInstant } from '../../../../db/seed/clinic-calendar';

/**
 * A share runs until the end of a calendar day in the clinic's time zone, at most a year ahead.
 * (The civil-date helpers are the ones the demo clinic plans its calendar with.)
 */

export interface ShareDateRange {
	/** Today in the clinic, "YYYY-MM-DD": the earliest end date. */
	earliest: string;
	/** A year from today: the latest end date. */
	latest: string;
}

export function shareDateRange(timeZone: string, now = new Date()): ShareDateRange {
	const today = isoDateOf(zonedDay(now, timeZone));
	return { earliest: today, latest: addYears(today, 1) };
}

/** The instant a share ending on `endDate` stops: midnight after that day, clinic time. */
export function shareExpiry(endDate: string, timeZone: string): Date {
	return zonedInstant(epochDayOf(endDate) + 1, 0, timeZone);
}

/** The last day a share covers, as the patient chose it: the clinic day before it expires. */
export function shareEndDate(expiresAt: Date, timeZone: string): string {
	return isoDateOf(zonedDay(new Date(expiresAt.getTime() - 1), timeZone));
}
