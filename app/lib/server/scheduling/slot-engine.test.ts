import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { checkFit, computeSlots, type EngineException, type EngineRule, type SlotEngineInput } from './slot-engine';
import { clinicDayOf, formatInZone, wallClockInstant } from './time';

const ny = 'America/New_York';
const lisbon = 'Europe/Lisbon';
const provider = 'p-1';
const main = 'loc-main';

const everyDay = (start: string, end: string, extra: Partial<EngineRule> = {}): EngineRule[] =>
	[1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
		practitionerId: provider,
		locationId: main,
		weekday,
		startMinute: toMinutes(start),
		endMinute: toMinutes(end),
		timeZone: ny,
		modalities: ['in_person', 'telehealth'],
		validFrom: null,
		validUntil: null,
		...extra
	}));

function toMinutes(hhmm: string): number {
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	return h * 60 + m;
}

/** Instant of a New York wall-clock time. */
const nyAt = (iso: string) => DateTime.fromISO(iso, { zone: ny }).toMillis();
const local = (millis: number, zone = ny) => DateTime.fromMillis(millis, { zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');

function slotsOf(overrides: Partial<SlotEngineInput> & Pick<SlotEngineInput, 'from' | 'to'>) {
	return computeSlots({
		durationMinutes: 30,
		bufferMinutes: 0,
		modality: 'in_person',
		stepMinutes: 30,
		rules: everyDay('09:00', '17:00'),
		exceptions: [],
		busy: [],
		...overrides
	});
}

const dayOf = (day: string, zone = ny) => ({ from: DateTime.fromISO(day, { zone }).toMillis(), to: DateTime.fromISO(day, { zone }).plus({ days: 1 }).toMillis() });

describe('slot engine: a clinic in America/New_York across daylight-saving changes', () => {
	it('keeps 09:00–17:00 local on both sides of the March change; the UTC instants move by an hour', () => {
		const before = slotsOf(dayOf('2026-03-06')); // Friday, EST (UTC−5)
		const after = slotsOf(dayOf('2026-03-09')); // Monday, EDT (UTC−4)
		for (const slots of [before, after]) {
			expect(slots).toHaveLength(16);
			expect(DateTime.fromMillis(slots[0]!.startsAt, { zone: ny }).toFormat('HH:mm')).toBe('09:00');
			expect(DateTime.fromMillis(slots.at(-1)!.endsAt, { zone: ny }).toFormat('HH:mm')).toBe('17:00');
		}
		expect(new Date(before[0]!.startsAt).toISOString()).toBe('2026-03-06T14:00:00.000Z');
		expect(new Date(after[0]!.startsAt).toISOString()).toBe('2026-03-09T13:00:00.000Z');
	});

	it('keeps 09:00–17:00 local on both sides of the November change', () => {
		const before = slotsOf(dayOf('2026-10-30')); // Friday, EDT
		const after = slotsOf(dayOf('2026-11-02')); // Monday, EST
		expect(before.map((s) => local(s.startsAt)).slice(0, 2)).toEqual(['2026-10-30 09:00 EDT', '2026-10-30 09:30 EDT']);
		expect(after.map((s) => local(s.startsAt)).slice(0, 2)).toEqual(['2026-11-02 09:00 EST', '2026-11-02 09:30 EST']);
		expect(new Date(before[0]!.startsAt).toISOString()).toBe('2026-10-30T13:00:00.000Z');
		expect(new Date(after[0]!.startsAt).toISOString()).toBe('2026-11-02T14:00:00.000Z');
		expect(before).toHaveLength(16);
		expect(after).toHaveLength(16);
	});

	it('offers no slot in the spring-forward gap (02:00–03:00 does not exist on 8 March 2026)', () => {
		const slots = slotsOf({ ...dayOf('2026-03-08'), rules: everyDay('00:00', '06:00') });
		const labels = slots.map((s) => local(s.startsAt));
		expect(labels.some((l) => l.includes(' 02:'))).toBe(false);
		// 00:00–06:00 local is five real hours that night: ten half-hour slots.
		expect(slots).toHaveLength(10);
		expect(labels).toContain('2026-03-08 01:30 EST');
		expect(labels).toContain('2026-03-08 03:00 EDT');
		expect(new Set(slots.map((s) => s.startsAt)).size).toBe(slots.length);
	});

	it('offers each instant of the repeated fall-back hour once (1 November 2026), never the same slot twice', () => {
		const slots = slotsOf({ ...dayOf('2026-11-01'), rules: everyDay('00:00', '06:00') });
		const labels = slots.map((s) => local(s.startsAt));
		// Seven real hours that night; 01:00 and 01:30 happen twice, once in EDT and once in EST.
		expect(slots).toHaveLength(14);
		expect(new Set(slots.map((s) => s.startsAt)).size).toBe(14);
		expect(new Set(labels).size).toBe(14);
		expect(labels.filter((l) => l.includes(' 01:00 '))).toEqual(['2026-11-01 01:00 EDT', '2026-11-01 01:00 EST']);
		// Slots never overlap one another.
		for (let i = 1; i < slots.length; i++) expect(slots[i]!.startsAt).toBeGreaterThanOrEqual(slots[i - 1]!.endsAt);
	});

	it('reads a rule starting inside the gap or the repeated hour predictably', () => {
		// 02:30 does not exist on 8 March: it moves forward to 03:30 EDT.
		expect(local(wallClockInstant('2026-03-08', toMinutes('02:30'), ny))).toBe('2026-03-08 03:30 EDT');
		// 01:30 happens twice on 1 November: the rule means the first (EDT).
		expect(local(wallClockInstant('2026-11-01', toMinutes('01:30'), ny))).toBe('2026-11-01 01:30 EDT');
		// 24:00 is the next midnight.
		expect(local(wallClockInstant('2026-03-07', 1440, ny))).toBe('2026-03-08 00:00 EST');
		expect(clinicDayOf(wallClockInstant('2026-11-01', toMinutes('23:59'), ny), ny)).toBe('2026-11-01');
	});

	it('shows a patient in Europe/Lisbon the same instants in their zone, whose changes fall on other dates (29 March, 25 October)', () => {
		// New York moves on 8 March and 1 November, Lisbon on 29 March and 25 October: for a few
		// weeks the two are four hours apart instead of five.
		const cases: [string, string, string][] = [
			['2026-03-06', '2026-03-06T14:00:00.000Z', '14:00 WET'], // both winter: 5 h apart
			['2026-03-09', '2026-03-09T13:00:00.000Z', '13:00 WET'], // NY summer, Lisbon winter: 4 h
			['2026-03-30', '2026-03-30T13:00:00.000Z', '14:00 WEST'], // both summer: 5 h
			['2026-10-26', '2026-10-26T13:00:00.000Z', '13:00 WET'], // Lisbon winter, NY still summer: 4 h
			['2026-11-02', '2026-11-02T14:00:00.000Z', '14:00 WET'] // both winter: 5 h
		];
		for (const [day, utc, lisbonClock] of cases) {
			const [first] = slotsOf(dayOf(day));
			expect(DateTime.fromMillis(first!.startsAt, { zone: ny }).toFormat('HH:mm'), day).toBe('09:00');
			expect(new Date(first!.startsAt).toISOString(), day).toBe(utc);
			const inLisbon = DateTime.fromMillis(first!.startsAt, { zone: lisbon }).setLocale('en-GB');
			expect(`${inLisbon.toFormat('HH:mm')} ${inLisbon.offsetNameShort}`, day).toBe(lisbonClock);
		}
		// The formatter people see names the zone.
		expect(formatInZone(new Date('2026-03-30T13:00:00Z'), ny)).toBe('Mon 30 Mar 2026, 09:00 EDT');
		expect(formatInZone(new Date('2026-03-30T13:00:00Z'), lisbon, 'en-GB')).toMatch(/^Mon 30 Mar 2026, 14:00 (WEST|GMT\+1)$/);
	});

	it('a week-long search across the March change gives every weekday the same local hours', () => {
		const from = DateTime.fromISO('2026-03-02', { zone: ny }).toMillis();
		const to = DateTime.fromISO('2026-03-14', { zone: ny }).toMillis();
		const rules = everyDay('09:00', '17:00').filter((r) => r.weekday <= 5);
		const slots = slotsOf({ from, to, rules });
		const perDay = new Map<string, string[]>();
		for (const s of slots) {
			const day = clinicDayOf(s.startsAt, ny);
			perDay.set(day, [...(perDay.get(day) ?? []), DateTime.fromMillis(s.startsAt, { zone: ny }).toFormat('HH:mm')]);
		}
		expect([...perDay.keys()]).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13']);
		const first = perDay.get('2026-03-02');
		for (const hours of perDay.values()) expect(hours).toEqual(first);
	});
});

describe('slot engine: blocks, buffers, busy time and extra hours', () => {
	const day = dayOf('2026-06-10'); // a Wednesday

	it('never offers blocked time, even partly (a slot and its buffer end by the block)', () => {
		const block: EngineException = { practitionerId: provider, kind: 'block', locationId: null, timeZone: null, startsAt: nyAt('2026-06-10T11:00'), endsAt: nyAt('2026-06-10T12:00') };
		const slots = slotsOf({ ...day, durationMinutes: 30, bufferMinutes: 10, stepMinutes: 15, exceptions: [block] });
		for (const s of slots) expect(s.startsAt + 40 * 60_000 <= block.startsAt || s.startsAt >= block.endsAt).toBe(true);
		const labels = slots.map((s) => DateTime.fromMillis(s.startsAt, { zone: ny }).toFormat('HH:mm'));
		expect(labels).toContain('10:15');
		expect(labels).not.toContain('10:30');
		expect(labels).toContain('12:00');
	});

	it('keeps the buffer after a busy visit and before the next', () => {
		const busy = [{ practitionerId: provider, startsAt: nyAt('2026-06-10T10:00'), until: nyAt('2026-06-10T10:40') }];
		const slots = slotsOf({ ...day, durationMinutes: 30, bufferMinutes: 10, stepMinutes: 15, busy });
		const labels = slots.map((s) => DateTime.fromMillis(s.startsAt, { zone: ny }).toFormat('HH:mm'));
		// 09:15 + 30 + 10 = 09:55 fits before 10:00; 09:30 would run into it.
		expect(labels).toContain('09:15');
		expect(labels).not.toContain('09:30');
		expect(labels).not.toContain('10:30');
		// The next start on the grid after 10:40.
		expect(labels).toContain('10:45');
		// The last slot and its buffer end by 17:00.
		expect(labels.at(-1)).toBe('16:15');
	});

	it('back-to-back: a visit may start when the previous one\'s buffer ends', () => {
		const busy = [{ practitionerId: provider, startsAt: nyAt('2026-06-10T09:00'), until: nyAt('2026-06-10T09:30') }];
		const slots = slotsOf({ ...day, busy });
		expect(DateTime.fromMillis(slots[0]!.startsAt, { zone: ny }).toFormat('HH:mm')).toBe('09:30');
	});

	it('adds extra hours at a location and merges them with touching hours', () => {
		const extra: EngineException = { practitionerId: provider, kind: 'extra', locationId: main, timeZone: ny, startsAt: nyAt('2026-06-10T17:00'), endsAt: nyAt('2026-06-10T18:00') };
		const slots = slotsOf({ ...day, durationMinutes: 60, stepMinutes: 30, exceptions: [extra] });
		const labels = slots.map((s) => DateTime.fromMillis(s.startsAt, { zone: ny }).toFormat('HH:mm'));
		expect(labels).toContain('16:30');
		expect(labels.at(-1)).toBe('17:00');
	});

	it('honours validity dates, the modality and the earliest start', () => {
		const rules = everyDay('09:00', '12:00', { validUntil: '2026-06-09' });
		expect(slotsOf({ ...day, rules })).toHaveLength(0);
		const inPersonOnly = everyDay('09:00', '12:00', { modalities: ['in_person'] });
		expect(slotsOf({ ...day, rules: inPersonOnly, modality: 'telehealth' })).toHaveLength(0);
		const notBefore = nyAt('2026-06-10T10:10');
		const later = slotsOf({ ...day, rules: inPersonOnly, notBefore });
		expect(DateTime.fromMillis(later[0]!.startsAt, { zone: ny }).toFormat('HH:mm')).toBe('10:30');
	});

	it('checkFit: inside hours, outside hours, over a block, on or off the grid', () => {
		const rules = everyDay('09:00', '17:00');
		const block: EngineException = { practitionerId: provider, kind: 'block', locationId: null, timeZone: null, startsAt: nyAt('2026-06-10T13:00'), endsAt: nyAt('2026-06-10T14:00') };
		const fit = (hhmm: string) =>
			checkFit({ practitionerId: provider, locationId: null, start: nyAt(`2026-06-10T${hhmm}`), durationMinutes: 30, bufferMinutes: 10, modality: 'in_person', stepMinutes: 15, rules, exceptions: [block] });
		expect(fit('09:00')).toMatchObject({ fits: true, aligned: true });
		expect(fit('09:05')).toMatchObject({ fits: true, aligned: false });
		expect(fit('16:30')).toEqual({ fits: false, reason: 'outside_hours' });
		expect(fit('08:45')).toEqual({ fits: false, reason: 'outside_hours' });
		expect(fit('12:30')).toEqual({ fits: false, reason: 'blocked' });
		expect(fit('14:00')).toMatchObject({ fits: true });
	});
});
