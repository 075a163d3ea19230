/**
 * Time-zone helpers shared by scheduling, reminders, capacity and analytics. Instants are `Date`
 * (UTC inside); days and wall-clock times are always read in a named IANA zone with luxon, so a
 * rule's "09:00" means 09:00 on both sides of a daylight-saving change.
 */
import { DateTime, IANAZone } from 'luxon';

/** The local date ('YYYY-MM-DD') of an instant in a zone: the clinic day a visit belongs to. */
export function clinicDayOf(date: Date | number, timeZone: string): string {
	return DateTime.fromMillis(typeof date === 'number' ? date : date.getTime(), { zone: timeZone }).toISODate()!;
}

export function isValidTimeZone(timeZone: string): boolean {
	return IANAZone.isValidZone(timeZone);
}

/** ISO weekday (1 Monday … 7 Sunday) of a local date. */
export function weekdayOf(day: string): number {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
	return js === 0 ? 7 : js;
}

/** The local date `days` after `day` (calendar arithmetic, no zone involved). */
export function addDays(day: string, days: number): string {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Every local date from `first` to `last`, inclusive. */
export function daysBetween(first: string, last: string): string[] {
	const out: string[] = [];
	for (let day = first; day <= last; day = addDays(day, 1)) out.push(day);
	return out;
}

/** The local dates an instant range [from, to) touches in a zone. */
export function daysOfRange(from: Date, to: Date, timeZone: string): string[] {
	const last = clinicDayOf(Math.max(from.getTime(), to.getTime() - 1), timeZone);
	return daysBetween(clinicDayOf(from, timeZone), last);
}

/**
 * The instant of a wall-clock time: `minute` minutes after local midnight of `day` in `timeZone`
 * (1440 is the next midnight). A wall time that does not exist (the spring-forward gap) moves
 * forward as luxon does (02:30 → 03:30); an ambiguous one (the fall-back hour) takes the earlier.
 * Cached per zone and day: slot search calls this for every rule on every day.
 */
export function wallClockInstant(day: string, minute: number, timeZone: string): number {
	const info = dayInfo(day, timeZone);
	if (info.uniformOffset !== null) return info.utcMidnight + (minute - info.uniformOffset) * 60_000;
	const base = DateTime.fromISO(day, { zone: timeZone });
	const date = minute >= 1440 ? base.plus({ days: 1 }) : base;
	const local = minute >= 1440 ? minute - 1440 : minute;
	return date.set({ hour: Math.floor(local / 60), minute: local % 60, second: 0, millisecond: 0 }).toMillis();
}

interface DayInfo {
	utcMidnight: number;
	/** The zone's offset in minutes when it is the same all day (and at the next midnight); null on a transition day. */
	uniformOffset: number | null;
}

const dayInfoCache = new Map<string, DayInfo>();

function dayInfo(day: string, timeZone: string): DayInfo {
	const key = `${timeZone}|${day}`;
	let info = dayInfoCache.get(key);
	if (info) return info;
	const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
	const next = start.plus({ days: 1 });
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	const utcMidnight = Date.UTC(y, m - 1, d);
	// Same offset at the start and end of the day and exactly 24 hours between: no transition.
	const uniform = start.offset === next.offset && next.toMillis() - start.toMillis() === 86_400_000;
	info = { utcMidnight, uniformOffset: uniform ? start.offset : null };
	if (dayInfoCache.size > 50_000) dayInfoCache.clear();
	dayInfoCache.set(key, info);
	return info;
}

/** Start of the local day `day` in a zone, as an instant. */
export function startOfDay(day: string, timeZone: string): Date {
	return new Date(DateTime.fromISO(day, { zone: timeZone }).startOf('day').toMillis());
}

/** "09:00" style wall-clock of an instant in a zone. */
export function wallClock(date: Date | number, timeZone: string): string {
	return DateTime.fromMillis(typeof date === 'number' ? date : date.getTime(), { zone: timeZone }).toFormat('HH:mm');
}

/** "Mon 9 Mar 2026, 09:00 EDT": a time with the zone's abbreviation, for people. */
export function formatInZone(date: Date | string, timeZone: string, locale = 'en-US'): string {
	const millis = typeof date === 'string' ? Date.parse(date) : date.getTime();
	return DateTime.fromMillis(millis, { zone: timeZone }).setLocale(locale).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** Minutes from local midnight ↔ "HH:MM". */
export function minutesToClock(minutes: number): string {
	return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function clockToMinutes(clock: string): number | null {
	const match = /^(\d{1,2}):(\d{2})$/.exec(clock.trim());
	if (!match) return null;
	const hours = Number(match[1]);
	const minutes = Number(match[2]);
	if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return null;
	return hours * 60 + minutes;
}

/** Parses an ISO string or Date into a valid Date, or null. */
export function toInstant(value: Date | string): Date | null {
	const date = typeof value === 'string' ? new Date(value) : value;
	return date instanceof Date && !Number.isNaN(date.getTime()) ? date : null;
}

/**
 * A fast `clinicDayOf` for many instants in one range: the day boundaries of the range are
 * computed once with luxon, then each instant is placed by binary search.
 */
export function dayIndexer(from: number, to: number, timeZone: string): (instant: number) => string {
	const first = addDays(clinicDayOf(from, timeZone), -1);
	const last = addDays(clinicDayOf(to, timeZone), 1);
	const days = daysBetween(first, last);
	const starts = days.map((day) => wallClockInstant(day, 0, timeZone));
	return (instant) => {
		if (instant < starts[0]! || instant >= starts[starts.length - 1]! + 86_400_000 * 2) return clinicDayOf(instant, timeZone);
		let low = 0;
		let high = starts.length - 1;
		while (low < high) {
			const mid = (low + high + 1) >> 1;
			if (starts[mid]! <= instant) low = mid;
			else high = mid - 1;
		}
		return days[low]!;
	};
}
