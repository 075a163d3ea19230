/**
 * Appointment times as the portal prints them: in the zone of the visit's location, with the
 * zone's abbreviation, and — when the browser is elsewhere — also in the browser's zone. A fixed
 * locale, so the server's HTML and the browser's hydration print the same text.
 */

const locale = 'en-US';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: 'dateTime' | 'time' | 'day', timeZone: string): Intl.DateTimeFormat {
	const key = `${kind} ${timeZone}`;
	let found = formatters.get(key);
	if (!found) {
		const options: Intl.DateTimeFormatOptions =
			kind === 'dateTime'
				? { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short', timeZone }
				: kind === 'time'
					? { hour: 'numeric', minute: '2-digit', timeZoneName: 'short', timeZone }
					: { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' };
		found = new Intl.DateTimeFormat(locale, options);
		formatters.set(key, found);
	}
	return found;
}

/** "Tue, Nov 24, 2026, 9:00 AM EST" in the given zone. */
export function formatVisitTime(instant: string, timeZone: string): string {
	return formatter('dateTime', timeZone).format(new Date(instant));
}

/** "9:00 AM EST" in the given zone. */
export function formatClock(instant: string, timeZone: string): string {
	return formatter('time', timeZone).format(new Date(instant));
}

/** "Tuesday, November 24, 2026" for a local date "YYYY-MM-DD". */
export function formatLongDay(day: string): string {
	return formatter('day', 'UTC').format(new Date(`${day}T00:00:00Z`));
}

/** The browser's zone, or null on the server / when the browser does not say. */
export function browserTimeZone(): string | null {
	if (typeof window === 'undefined') return null;
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;
	} catch {
		return null;
	}
}

/**
 * Do two zones show a different clock for this instant? Zones with other names but the same
 * offset (New York and Toronto) read the same, so the second time would only repeat the first.
 */
export function differentClock(instant: string, zone: string, other: string | null): boolean {
	if (!other || other === zone) return false;
	return formatClock(instant, zone) !== formatClock(instant, other);
}

export const statusLabels: Record<string, string> = {
	booked: 'Booked',
	confirmed: 'Confirmed',
	checked_in: 'Checked in',
	completed: 'Completed',
	no_show: 'Missed',
	cancelled: 'Cancelled'
};
