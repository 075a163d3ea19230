/**
 * The arithmetic of the staff calendar, pure and shared by the page's server load and its
 * components: which instants a day or week view covers in a zone, where a block sits on a day's
 * track, and how times read ("09:30 EST"). Days are local dates ('YYYY-MM-DD') in a named zone;
 * luxon does the zone work, so a day of 23 or 25 hours (daylight saving) is drawn as it is.
 */
import { DateTime } from 'luxon';

export const calendarViews = ['day', 'week'] as const;
export type CalendarView = (typeof calendarViews)[number];

export interface ViewRange {
	/** Local dates shown, in order. */
	days: string[];
	from: Date;
	to: Date;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(value: string): boolean {
	return isoDate.test(value) && DateTime.fromISO(value).isValid;
}

/** Today's local date in a zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
	return DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!;
}

/** The day, or the Monday-to-Sunday week holding it, as instants in the zone. */
export function viewRange(view: CalendarView, date: string, timeZone: string): ViewRange {
	const day = DateTime.fromISO(date, { zone: timeZone }).startOf('day');
	const first = view === 'week' ? day.minus({ days: day.weekday - 1 }) : day;
	const count = view === 'week' ? 7 : 1;
	const days = Array.from({ length: count }, (_, i) => first.plus({ days: i }).toISODate()!);
	return { days, from: first.toJSDate(), to: first.plus({ days: count }).toJSDate() };
}

/** The date the previous / next arrow goes to. */
export function stepDate(view: CalendarView, date: string, direction: -1 | 1): string {
	return DateTime.fromISO(date).plus({ days: (view === 'week' ? 7 : 1) * direction }).toISODate()!;
}

/** The local date of an instant in a zone. */
export function dayOf(instant: string | Date, timeZone: string): string {
	return toZone(instant, timeZone).toISODate()!;
}

function toZone(instant: string | Date, timeZone: string): DateTime {
	return (typeof instant === 'string' ? DateTime.fromISO(instant) : DateTime.fromJSDate(instant)).setZone(timeZone);
}

/**
 * Wall-clock minutes of an instant on `day`'s track: 09:00 is 540 on every day, a daylight-saving
 * day included (the track is drawn by the clock on the wall, as people read a calendar). Before
 * the day it is negative, on a later day past 1440.
 */
export function minutesIntoDay(instant: string | Date, day: string, timeZone: string): number {
	const local = toZone(instant, timeZone);
	const dayShift = Math.round(local.startOf('day').setZone('UTC', { keepLocalTime: true }).diff(DateTime.fromISO(day, { zone: 'UTC' }), 'days').days);
	return dayShift * 1440 + local.hour * 60 + local.minute;
}

/** Length of a local day in minutes (1380 or 1500 on a daylight-saving change). */
export function dayLengthMinutes(day: string, timeZone: string): number {
	const midnight = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
	return Math.round(midnight.plus({ days: 1 }).diff(midnight, 'minutes').minutes);
}

/** "09:30" in the zone. */
export function clockIn(instant: string | Date, timeZone: string): string {
	return toZone(instant, timeZone).toFormat('HH:mm');
}

/** The zone's abbreviation at that instant ("EST", "EDT", or "GMT+1" where there is none). */
export function zoneAbbreviation(instant: string | Date, timeZone: string): string {
	return toZone(instant, timeZone).toFormat('ZZZZ');
}

/** "09:30–10:00 EST". */
export function timeRangeIn(startsAt: string, endsAt: string, timeZone: string): string {
	return `${clockIn(startsAt, timeZone)}–${clockIn(endsAt, timeZone)} ${zoneAbbreviation(startsAt, timeZone)}`;
}

/** "Monday 9 March 2026". */
export function longDate(day: string): string {
	return DateTime.fromISO(day).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

/** "Mon 9 Mar". */
export function shortDate(day: string): string {
	return DateTime.fromISO(day).setLocale('en-GB').toFormat('ccc d LLL');
}

/** "Mon 9 Mar 2026, 09:30 EST". */
export function dateTimeIn(instant: string, timeZone: string): string {
	return toZone(instant, timeZone).setLocale('en-GB').toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** An instant from a local date and "HH:MM" in a zone (for a click on the calendar). */
export function instantAt(day: string, minute: number, timeZone: string): Date {
	return DateTime.fromISO(day, { zone: timeZone }).startOf('day').plus({ minutes: minute }).toJSDate();
}

export interface TrackWindow {
	/** Minutes from local midnight the track starts and ends at. */
	startMinute: number;
	endMinute: number;
}

/**
 * The hours a day's track shows: 07:00–19:00, widened to hold every entry on screen (working
 * hours, blocks, appointments), to whole hours.
 */
export function trackWindow(entries: { startsAt: string; endsAt: string }[], days: string[], timeZone: string): TrackWindow {
	let start = 7 * 60;
	let end = 19 * 60;
	for (const entry of entries) {
		const day = dayOf(entry.startsAt, timeZone);
		if (!days.includes(day)) continue;
		start = Math.min(start, Math.max(0, minutesIntoDay(entry.startsAt, day, timeZone)));
		end = Math.max(end, Math.min(1440, minutesIntoDay(entry.endsAt, day, timeZone)));
	}
	return { startMinute: Math.floor(start / 60) * 60, endMinute: Math.ceil(end / 60) * 60 };
}

export interface Placement {
	/** Percentages of the track's height. */
	top: number;
	height: number;
}

/** Where [startsAt, endsAt) sits on `day`'s track, clipped to the window; null when it is not on it. */
export function placeOnTrack(startsAt: string, endsAt: string, day: string, timeZone: string, window: TrackWindow): Placement | null {
	const span = window.endMinute - window.startMinute;
	const start = Math.max(window.startMinute, minutesIntoDay(startsAt, day, timeZone));
	const end = Math.min(window.endMinute, minutesIntoDay(endsAt, day, timeZone));
	if (end <= start) return null;
	return { top: ((start - window.startMinute) / span) * 100, height: ((end - start) / span) * 100 };
}

/** The minute of the day a click at `fraction` (0…1) of the track's height means, rounded down to `step`. */
export function minuteAtFraction(fraction: number, window: TrackWindow, step = 15): number {
	const raw = window.startMinute + Math.min(1, Math.max(0, fraction)) * (window.endMinute - window.startMinute);
	return Math.floor(raw / step) * step;
}

/** Entries that overlap share the width: lane index and lane count per entry (greedy, by start). */
export function lanes<T extends { startsAt: string; endsAt: string }>(entries: T[]): { entry: T; lane: number; laneCount: number }[] {
	const sorted = [...entries].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.endsAt.localeCompare(b.endsAt));
	const out: { entry: T; lane: number; laneCount: number }[] = [];
	let group: { entry: T; lane: number; laneCount: number }[] = [];
	let groupEnd = '';
	const laneEnds: string[] = [];
	const close = () => {
		const count = Math.max(1, ...group.map((g) => g.lane + 1));
		for (const g of group) g.laneCount = count;
		out.push(...group);
		group = [];
		laneEnds.length = 0;
	};
	for (const entry of sorted) {
		if (group.length > 0 && Date.parse(entry.startsAt) >= Date.parse(groupEnd)) close();
		let lane = laneEnds.findIndex((end) => Date.parse(end) <= Date.parse(entry.startsAt));
		if (lane === -1) lane = laneEnds.length;
		laneEnds[lane] = entry.endsAt;
		group.push({ entry, lane, laneCount: 1 });
		if (group.length === 1 || Date.parse(entry.endsAt) > Date.parse(groupEnd)) groupEnd = entry.endsAt;
	}
	if (group.length > 0) close();
	return out;
}

/** Hour marks on a track: minute and label. */
export function hourMarks(window: TrackWindow): { minute: number; label: string }[] {
	const marks: { minute: number; label: string }[] = [];
	for (let minute = window.startMinute; minute < window.endMinute; minute += 60) {
		marks.push({ minute, label: `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:00` });
	}
	return marks;
}

/** The query string of a calendar address; the one place its shape is written. */
export function calendarHref(state: { view: CalendarView; date: string; practitioner?: string | null; location?: string | null }): string {
	const params = new URLSearchParams({ view: state.view });
	if (state.practitioner) params.set('practitioner', state.practitioner);
	if (state.location) params.set('location', state.location);
	params.set('date', state.date);
	return `/schedule?${params}`;
}
