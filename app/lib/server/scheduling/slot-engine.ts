/**
 * The pure slot computation: weekly rules + exceptions + busy time → free slots. No database,
 * no clock; slots.ts loads the inputs for a range in a few indexed queries and calls this.
 *
 * - A rule is minutes from local midnight on an ISO weekday in its IANA zone, so "09:00–17:00"
 *   stays 09:00–17:00 local across daylight-saving changes (the UTC instants move instead).
 * - Extra hours (exceptions of kind 'extra') add working time at a location; blocks subtract
 *   it; busy appointments (start … start + duration + buffer) subtract it.
 * - Candidate starts step by `stepMinutes` of real time from the start of each stretch of
 *   working time, so the spring-forward gap never gets a slot and the repeated fall-back hour
 *   never offers one instant twice.
 * - A slot needs its duration plus its buffer free, inside working time, on the provider's
 *   calendar (the buffer is what the exclusion constraint holds too).
 */
import type { AppointmentModality } from '../../../../db/schema/index';
import { addDays, clinicDayOf, wallClockInstant, weekdayOf } from './time';

export interface EngineRule {
	practitionerId: string;
	locationId: string;
	weekday: number;
	startMinute: number;
	endMinute: number;
	timeZone: string;
	modalities: readonly AppointmentModality[];
	validFrom: string | null;
	validUntil: string | null;
}

export interface EngineException {
	practitionerId: string;
	kind: 'block' | 'extra';
	/** Where extra hours are worked (required for 'extra'; ignored for blocks, which hold everywhere). */
	locationId: string | null;
	/** The location's zone, for extra hours. */
	timeZone: string | null;
	startsAt: number;
	endsAt: number;
}

export interface BusyRange {
	practitionerId: string;
	startsAt: number;
	/** occupied_until: the visit's end plus its buffer. */
	until: number;
}

/** A stretch of working time at one location. */
export interface WorkingInterval {
	practitionerId: string;
	locationId: string;
	timeZone: string;
	start: number;
	end: number;
}

export interface EngineSlot {
	practitionerId: string;
	locationId: string;
	timeZone: string;
	startsAt: number;
	endsAt: number;
}

export interface SlotEngineInput {
	from: number;
	to: number;
	durationMinutes: number;
	bufferMinutes: number;
	modality: AppointmentModality;
	stepMinutes: number;
	rules: readonly EngineRule[];
	exceptions: readonly EngineException[];
	busy: readonly BusyRange[];
	/** No slot starts before this instant (now, or now + the portal's minimum notice). */
	notBefore?: number;
}

const minute = 60_000;

/**
 * Working intervals per practitioner in [from, to): rules of the modality expanded day by day in
 * their zone, plus extra hours; overlapping or touching stretches at one location merged.
 * Blocks are not subtracted here (see freeIntervals).
 */
export function workingIntervals(
	rules: readonly EngineRule[],
	exceptions: readonly EngineException[],
	from: number,
	to: number,
	modality: AppointmentModality | null
): Map<string, WorkingInterval[]> {
	const byPractitioner = new Map<string, WorkingInterval[]>();
	const push = (interval: WorkingInterval) => {
		if (interval.end <= from || interval.start >= to || interval.start >= interval.end) return;
		let list = byPractitioner.get(interval.practitionerId);
		if (!list) byPractitioner.set(interval.practitionerId, (list = []));
		list.push(interval);
	};
	// Local days per zone that can touch [from, to): one day of margin either side.
	const daysByZone = new Map<string, { day: string; weekday: number }[]>();
	const zoneDays = (zone: string) => {
		let days = daysByZone.get(zone);
		if (days) return days;
		days = [];
		const last = addDays(clinicDayOf(to, zone), 1);
		for (let day = addDays(clinicDayOf(from, zone), -1); day <= last; day = addDays(day, 1)) days.push({ day, weekday: weekdayOf(day) });
		daysByZone.set(zone, days);
		return days;
	};
	for (const rule of rules) {
		if (modality && !rule.modalities.includes(modality)) continue;
		for (const { day, weekday } of zoneDays(rule.timeZone)) {
			if (weekday !== rule.weekday) continue;
			if (rule.validFrom && day < rule.validFrom) continue;
			if (rule.validUntil && day > rule.validUntil) continue;
			push({
				practitionerId: rule.practitionerId,
				locationId: rule.locationId,
				timeZone: rule.timeZone,
				start: wallClockInstant(day, rule.startMinute, rule.timeZone),
				end: wallClockInstant(day, rule.endMinute, rule.timeZone)
			});
		}
	}
	for (const exception of exceptions) {
		if (exception.kind !== 'extra' || !exception.locationId || !exception.timeZone) continue;
		push({
			practitionerId: exception.practitionerId,
			locationId: exception.locationId,
			timeZone: exception.timeZone,
			start: exception.startsAt,
			end: exception.endsAt
		});
	}
	for (const [practitionerId, list] of byPractitioner) byPractitioner.set(practitionerId, mergeWorking(list));
	return byPractitioner;
}

function mergeWorking(list: WorkingInterval[]): WorkingInterval[] {
	list.sort((a, b) => a.start - b.start || a.end - b.end);
	const out: WorkingInterval[] = [];
	for (const interval of list) {
		const last = out[out.length - 1];
		if (last && last.locationId === interval.locationId && interval.start <= last.end) {
			if (interval.end > last.end) last.end = interval.end;
		} else out.push({ ...interval });
	}
	return out;
}

/** [start, end) pairs, sorted and merged. */
type Span = [number, number];

function mergeSpans(spans: Span[]): Span[] {
	spans.sort((a, b) => a[0] - b[0]);
	const out: Span[] = [];
	for (const span of spans) {
		const last = out[out.length - 1];
		if (last && span[0] <= last[1]) {
			if (span[1] > last[1]) last[1] = span[1];
		} else out.push([span[0], span[1]]);
	}
	return out;
}

/** The parts of `interval` not covered by the (sorted, merged) `taken` spans. */
function subtract(interval: Span, taken: readonly Span[], startIndex: number): { free: Span[]; nextIndex: number } {
	const free: Span[] = [];
	let cursor = interval[0];
	let index = startIndex;
	// Skip taken spans that end before this interval.
	while (index < taken.length && taken[index]![1] <= interval[0]) index++;
	let i = index;
	for (; i < taken.length && taken[i]![0] < interval[1]; i++) {
		const [s, e] = taken[i]!;
		if (s > cursor) free.push([cursor, Math.min(s, interval[1])]);
		if (e > cursor) cursor = e;
		if (cursor >= interval[1]) break;
	}
	if (cursor < interval[1]) free.push([cursor, interval[1]]);
	return { free, nextIndex: index };
}

/** Blocks and busy time of each practitioner, merged. */
function takenByPractitioner(exceptions: readonly EngineException[], busy: readonly BusyRange[]): Map<string, Span[]> {
	const taken = new Map<string, Span[]>();
	const add = (practitionerId: string, span: Span) => {
		let list = taken.get(practitionerId);
		if (!list) taken.set(practitionerId, (list = []));
		list.push(span);
	};
	for (const exception of exceptions) if (exception.kind === 'block') add(exception.practitionerId, [exception.startsAt, exception.endsAt]);
	for (const range of busy) add(range.practitionerId, [range.startsAt, range.until]);
	for (const [practitionerId, list] of taken) taken.set(practitionerId, mergeSpans(list));
	return taken;
}

/** Free slots, sorted by start, then practitioner. */
export function computeSlots(input: SlotEngineInput): EngineSlot[] {
	const step = Math.max(1, input.stepMinutes) * minute;
	const duration = input.durationMinutes * minute;
	const held = (input.durationMinutes + input.bufferMinutes) * minute;
	const notBefore = Math.max(input.from, input.notBefore ?? input.from);
	const working = workingIntervals(input.rules, input.exceptions, input.from - held, input.to + held, input.modality);
	const taken = takenByPractitioner(input.exceptions, input.busy);
	const slots: EngineSlot[] = [];
	// Providers in id order, then a stable sort by start alone: ties stay in provider order.
	for (const practitionerId of [...working.keys()].sort()) {
		const intervals = working.get(practitionerId)!;
		const takenSpans = taken.get(practitionerId) ?? [];
		let takenIndex = 0;
		for (const interval of intervals) {
			const { free, nextIndex } = subtract([interval.start, interval.end], takenSpans, takenIndex);
			takenIndex = nextIndex;
			for (const [freeStart, freeEnd] of free) {
				if (freeEnd - freeStart < held) continue;
				// First step from the start of working time at or after the free stretch (and notBefore).
				const earliest = Math.max(freeStart, notBefore);
				let t = interval.start + Math.ceil((earliest - interval.start) / step) * step;
				for (; t + held <= freeEnd && t < input.to; t += step) {
					slots.push({ practitionerId, locationId: interval.locationId, timeZone: interval.timeZone, startsAt: t, endsAt: t + duration });
				}
			}
		}
	}
	slots.sort((a, b) => a.startsAt - b.startsAt);
	return slots;
}

export type SlotFit =
	| { fits: true; interval: WorkingInterval; aligned: boolean }
	| { fits: false; reason: 'outside_hours' | 'blocked' };

/**
 * Does a visit of one practitioner at [start, start + duration + buffer) fall inside working
 * time (of the modality, at `locationId` when given) and clear of blocks? Busy time is left to
 * the exclusion constraint. `aligned` says whether the start is on the slot grid.
 */
export function checkFit(input: {
	practitionerId: string;
	locationId: string | null;
	start: number;
	durationMinutes: number;
	bufferMinutes: number;
	modality: AppointmentModality;
	stepMinutes: number;
	rules: readonly EngineRule[];
	exceptions: readonly EngineException[];
}): SlotFit {
	const held = (input.durationMinutes + input.bufferMinutes) * minute;
	const end = input.start + held;
	const rules = input.rules.filter((r) => r.practitionerId === input.practitionerId);
	const exceptions = input.exceptions.filter((e) => e.practitionerId === input.practitionerId);
	const working = workingIntervals(rules, exceptions, input.start - 86_400_000, end + 86_400_000, input.modality).get(input.practitionerId) ?? [];
	const interval = working.find((w) => w.start <= input.start && end <= w.end && (!input.locationId || w.locationId === input.locationId));
	if (!interval) return { fits: false, reason: 'outside_hours' };
	if (exceptions.some((e) => e.kind === 'block' && e.startsAt < end && e.endsAt > input.start)) return { fits: false, reason: 'blocked' };
	const step = Math.max(1, input.stepMinutes) * minute;
	return { fits: true, interval, aligned: (input.start - interval.start) % step === 0 };
}
