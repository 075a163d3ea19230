/**
 * Civil dates and clinic wall-clock times for the synthetic clinic. Histories are planned in
 * whole days counted from "today in the clinic's time zone", then placed at a wall-clock
 * time there, so visits land in office hours whatever the server's own time zone is.
 */

/** Days since 1970-01-01: whole-day arithmetic without time-zone surprises. */
export type EpochDay = number;

const dayMs = 86_400_000;

export function epochDayOf(isoDate: string): EpochDay {
	return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / dayMs);
}

export function isoDateOf(day: EpochDay): string {
	return new Date(day * dayMs).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: EpochDay): number {
	return (((day + 4) % 7) + 7) % 7;
}

/** Moves a weekend day to the Monday after it: the clinics are open on weekdays. */
export function nextWeekday(day: EpochDay): EpochDay {
	const weekday = weekdayOf(day);
	return weekday === 6 ? day + 2 : weekday === 0 ? day + 1 : day;
}

/** Same month and day `years` later; 29 February becomes 1 March in common years. */
export function addYears(isoDate: string, years: number): string {
	const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/** Completed years of life on `onDate`, as a chart header shows it. */
export function ageOn(birthDate: string, onDate: string): number {
	const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
	const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
	return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Age in fractional years, for growth curves and trends. */
export function exactAge(birthDate: string, onDay: EpochDay): number {
	return (onDay - epochDayOf(birthDate)) / 365.2425;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

/** The civil date in `timeZone` at `instant`. */
export function zonedDay(instant: Date, timeZone: string): EpochDay {
	const parts = wallClock(instant, timeZone);
	return Math.floor(Date.UTC(parts.year, parts.month - 1, parts.day) / dayMs);
}

/** The instant at which clocks in `timeZone` show `minutes` after midnight on `day`. */
export function zonedInstant(day: EpochDay, minutes: number, timeZone: string): Date {
	const wall = day * dayMs + minutes * 60_000;
	const firstOffset = offsetMs(new Date(wall), timeZone);
	const instant = wall - firstOffset;
	// Near a DST change the offset at the guess can differ from the one at the answer.
	const secondOffset = offsetMs(new Date(instant), timeZone);
	return new Date(secondOffset === firstOffset ? instant : wall - secondOffset);
}

function offsetMs(instant: Date, timeZone: string): number {
	const p = wallClock(instant, timeZone);
	const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
	return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

function wallClock(instant: Date, timeZone: string) {
	const values: Record<string, number> = {};
	for (const part of formatterFor(timeZone).formatToParts(instant)) {
		if (part.type !== 'literal') values[part.type] = Number(part.value);
	}
	return {
		year: values.year ?? 1970,
		month: values.month ?? 1,
		day: values.day ?? 1,
		hour: values.hour ?? 0,
		minute: values.minute ?? 0,
		second: values.second ?? 0
	};
}
