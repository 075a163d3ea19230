/**
 * Wall-clock times in the clinic's time zone. A medication schedule says "08:00": that is 08:00
 * where the clinic is (clinics.time_zone), on each calendar day, across daylight-saving changes.
 * Intl does the zone arithmetic, so no time-zone library is needed.
 */

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
	let found = partFormatters.get(timeZone);
	if (!found) {
		found = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		partFormatters.set(timeZone, found);
	}
	return found;
}

interface WallClock {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

function wallClockOf(instant: Date, timeZone: string): WallClock {
	const parts: Record<string, number> = {};
	for (const part of partsFormatter(timeZone).formatToParts(instant)) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** Milliseconds the zone is ahead of UTC at this instant. */
function offsetAt(instant: Date, timeZone: string): number {
	const wall = wallClockOf(instant, timeZone);
	const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
	return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the clinic's clocks show `date` `time` ("YYYY-MM-DD", "HH:MM"). A time
 * that does not exist (the hour skipped when clocks go forward) moves forward by the gap, as a
 * patient taking an 02:30 dose would do; a time that happens twice (clocks go back) is the first.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
	const [year, month, day] = date.split('-').map(Number) as [number, number, number];
	const [hour, minute] = time.split(':').map(Number) as [number, number];
	const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
	// Two passes settle the offset on either side of a change; the first guess uses the offset
	// at the wall time read as UTC, which is at most a few hours off.
	let guess = wallAsUtc - offsetAt(new Date(wallAsUtc), timeZone);
	const second = wallAsUtc - offsetAt(new Date(guess), timeZone);
	if (second !== guess) {
		// Ambiguous or skipped: prefer the earlier offset that maps back to this wall time.
		const candidates = [guess, second].filter((t) => localTimeOf(new Date(t), timeZone) === time && localDateOf(new Date(t), timeZone) === date);
		guess = candidates.length > 0 ? Math.min(...candidates) : Math.max(guess, second);
	}
	return new Date(guess);
}

/** "YYYY-MM-DD" of this instant on the clinic's calendar. */
export function localDateOf(instant: Date, timeZone: string): string {
	const wall = wallClockOf(instant, timeZone);
	return `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

/** "HH:MM" of this instant on the clinic's clocks. */
export function localTimeOf(instant: Date, timeZone: string): string {
	const wall = wallClockOf(instant, timeZone);
	return `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
}

/** A calendar date `days` later (or earlier, when negative). */
export function addDays(date: string, days: number): string {
	const at = new Date(`${date}T12:00:00Z`);
	at.setUTCDate(at.getUTCDate() + days);
	return at.toISOString().slice(0, 10);
}
