import { and, eq, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../../../db/client';
import { appointments, capacityAlerts, capacityLimits, locations, practitioners, timeHoldingStatuses, users, type CapacityLimit, type CapacityScope } from '../../../../db/schema/index';
import { notifyUsers } from '../notifications/notifications';
import { getRuntime, hasRuntime } from '../platform/runtime';
import { publishScheduleChange } from './schedule-changes';
import { clinicTimeZone } from './settings';
import { clinicDayOf as clinicDay } from './time';

/**
 * Clinic capacity: thresholds per clinic, location and provider, for one clinic day (the clinic's
 * time zone), as a maximum number of visits and/or booked minutes. A row with `day` null is the
 * standing limit of its scope; a row for one day replaces it for that day (adjusted during the
 * day). Every appointment that still holds its time counts (cancelled ones do not), by its start.
 *
 * Booking calls checkCapacity inside its transaction, which serialises the bookings of one clinic
 * day with an advisory lock, so two concurrent bookings cannot both take the last place; slot
 * search calls capacityPredicate; after a commit, alertOnCapacity tells staff once per scope, day
 * and level ('near' at the warning percentage, 'over' once the limit is reached).
 */

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

export type CapacityState = 'ok' | 'near' | 'over';

/** The threshold in force for one scope on one day, and where it came from. */
export interface EffectiveLimit {
	scope: CapacityScope;
	scopeKey: string;
	maxAppointments: number | null;
	maxBookedMinutes: number | null;
	warnAtPercent: number;
	source: 'day' | 'standing';
}

export interface Booked {
	appointments: number;
	minutes: number;
}

/** Namespace of the advisory locks of capacity (the second key is the day's hash). */
const capacityLockNamespace = 61_006;

export const clinicScopeKey = 'clinic';
export const locationScopeKey = (locationId: string) => `location:${locationId}`;
export const practitionerScopeKey = (practitionerId: string) => `practitioner:${practitionerId}`;

export function scopeKeyOf(scope: CapacityScope, targetId: string | null): string {
	if (scope === 'clinic') return clinicScopeKey;
	if (!targetId) throw new Error(`A ${scope} limit needs the ${scope}'s id.`);
	return scope === 'location' ? locationScopeKey(targetId) : practitionerScopeKey(targetId);
}

// One definition of each, shared by every scheduling module.
export { clinicTimeZone, clinicDay };

/** [start, end) of a clinic day as instants; 23 or 25 hours long across a daylight-saving change. */
export function clinicDayBounds(day: string, timeZone: string): { start: Date; end: Date } {
	const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
	return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

/** "3 March" */
export function dayInWords(day: string): string {
	return DateTime.fromISO(day).setLocale('en-GB').toFormat('d MMMM');
}

/**
 * Utilization of one scope against its limit: the larger of the visit and minute shares, in
 * percent (null without a limit), and its state.
 */
export function utilizationOf(booked: Booked, limit: Pick<EffectiveLimit, 'maxAppointments' | 'maxBookedMinutes' | 'warnAtPercent'> | null): { percent: number | null; state: CapacityState } {
	if (!limit) return { percent: null, state: 'ok' };
	const shares: number[] = [];
	if (limit.maxAppointments !== null) shares.push(limit.maxAppointments === 0 ? (booked.appointments > 0 ? Infinity : 1) : booked.appointments / limit.maxAppointments);
	if (limit.maxBookedMinutes !== null) shares.push(limit.maxBookedMinutes === 0 ? (booked.minutes > 0 ? Infinity : 1) : booked.minutes / limit.maxBookedMinutes);
	if (shares.length === 0) return { percent: null, state: 'ok' };
	const share = Math.max(...shares);
	const percent = Number.isFinite(share) ? Math.round(share * 1000) / 10 : 100;
	// 'over' once the limit is reached: no further visit fits, which is what staff must hear.
	const state: CapacityState = share >= 1 ? 'over' : percent >= limit.warnAtPercent ? 'near' : 'ok';
	return { percent, state };
}

/** Would one more visit of `minutes` pass the limit? Names the limit it would pass. */
function wouldPass(booked: Booked, minutes: number, limit: EffectiveLimit): { kind: 'visits' | 'minutes'; used: number; max: number } | null {
	if (limit.maxAppointments !== null && booked.appointments + 1 > limit.maxAppointments) return { kind: 'visits', used: booked.appointments, max: limit.maxAppointments };
	if (limit.maxBookedMinutes !== null && booked.minutes + minutes > limit.maxBookedMinutes) return { kind: 'minutes', used: booked.minutes, max: limit.maxBookedMinutes };
	return null;
}

/** Picks, per scope key and day, the day's own row over the standing one. */
export class LimitBook {
	private readonly standing = new Map<string, CapacityLimit>();
	private readonly byDay = new Map<string, CapacityLimit>();

	constructor(rows: readonly CapacityLimit[]) {
		for (const row of rows) {
			if (row.day === null) this.standing.set(row.scopeKey, row);
			else this.byDay.set(`${row.scopeKey}|${row.day}`, row);
		}
	}

	get empty(): boolean {
		return this.standing.size === 0 && this.byDay.size === 0;
	}

	limitFor(scopeKey: string, day: string): EffectiveLimit | null {
		const own = this.byDay.get(`${scopeKey}|${day}`);
		const row = own ?? this.standing.get(scopeKey);
		if (!row) return null;
		return {
			scope: row.scope,
			scopeKey: row.scopeKey,
			maxAppointments: row.maxAppointments,
			maxBookedMinutes: row.maxBookedMinutes,
			warnAtPercent: row.warnAtPercent,
			source: own ? 'day' : 'standing'
		};
	}
}

/** Limit rows (standing and for the days) of the given scope keys, or of every scope when keys is null. */
export async function loadLimits(db: Database, scopeKeys: readonly string[] | null, days: readonly string[]): Promise<LimitBook> {
	const dayCondition = days.length > 0 ? or(isNull(capacityLimits.day), inArray(capacityLimits.day, [...days])) : isNull(capacityLimits.day);
	const rows = await db
		.select()
		.from(capacityLimits)
		.where(scopeKeys === null ? dayCondition : and(inArray(capacityLimits.scopeKey, [...scopeKeys]), dayCondition));
	return new LimitBook(rows);
}

const holdsTime = inArray(appointments.status, [...timeHoldingStatuses]);
const bookedMinutesSql = sql<number>`coalesce(sum(extract(epoch from (${appointments.endsAt} - ${appointments.startsAt})) / 60), 0)::int`;

/**
 * Booked visits and minutes per clinic day, provider and location, in [from, to). The caller
 * adds them up per scope; a clinic of 50 providers has a few hundred rows for a quarter.
 */
export async function loadBookedRows(
	db: Database,
	timeZone: string,
	range: { from: Date; to: Date },
	excludeAppointmentId?: string
): Promise<{ day: string; practitionerId: string; locationId: string | null; appointments: number; minutes: number }[]> {
	const day = sql<string>`to_char(${appointments.startsAt} at time zone ${timeZone}, 'YYYY-MM-DD')`;
	const conditions: SQL[] = [holdsTime, gte(appointments.startsAt, range.from), lt(appointments.startsAt, range.to)];
	if (excludeAppointmentId) conditions.push(ne(appointments.id, excludeAppointmentId));
	const rows = await db
		.select({
			day,
			practitionerId: appointments.practitionerId,
			locationId: appointments.locationId,
			appointments: sql<number>`count(*)::int`,
			minutes: bookedMinutesSql
		})
		.from(appointments)
		.where(and(...conditions))
		.groupBy(sql`1`, sql`2`, sql`3`); // by position: the zone is a parameter, bound once per use
	return rows.map((r) => ({ ...r, appointments: Number(r.appointments), minutes: Number(r.minutes) }));
}

/** Totals per scope key and day ('clinic|2026-03-03', 'location:<id>|…', 'practitioner:<id>|…'). */
export class BookedBook {
	private readonly totals = new Map<string, Booked>();

	constructor(rows: readonly { day: string; practitionerId: string; locationId: string | null; appointments: number; minutes: number }[]) {
		for (const row of rows) {
			this.add(`${clinicScopeKey}|${row.day}`, row);
			this.add(`${practitionerScopeKey(row.practitionerId)}|${row.day}`, row);
			if (row.locationId) this.add(`${locationScopeKey(row.locationId)}|${row.day}`, row);
		}
	}

	private add(key: string, row: Booked): void {
		const total = this.totals.get(key);
		if (total) {
			total.appointments += row.appointments;
			total.minutes += row.minutes;
		} else this.totals.set(key, { appointments: row.appointments, minutes: row.minutes });
	}

	of(scopeKey: string, day: string): Booked {
		return this.totals.get(`${scopeKey}|${day}`) ?? { appointments: 0, minutes: 0 };
	}
}

function scopeKeysOf(practitionerId: string, locationId: string | null): string[] {
	return [clinicScopeKey, ...(locationId ? [locationScopeKey(locationId)] : []), practitionerScopeKey(practitionerId)];
}

/** "Dr Rivera" for a physician, "Cara Patel" otherwise. */
export function practitionerLabel(p: { kind: string; givenName: string; familyName: string }): string {
	return p.kind === 'physician' ? `Dr ${p.familyName}` : `${p.givenName} ${p.familyName}`;
}

async function scopeName(db: Database, scopeKey: string): Promise<string> {
	if (scopeKey === clinicScopeKey) return 'The clinic';
	const [kind, id] = scopeKey.split(':') as [string, string];
	if (kind === 'location') {
		const [row] = await db.select({ name: locations.name }).from(locations).where(eq(locations.id, id));
		return row ? row.name : 'This location';
	}
	const [row] = await db.select({ kind: practitioners.kind, givenName: practitioners.givenName, familyName: practitioners.familyName }).from(practitioners).where(eq(practitioners.id, id));
	return row ? practitionerLabel(row) : 'This provider';
}

function possessive(name: string): string {
	return name === 'The clinic' ? "The clinic's" : name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/** "Dr Rivera's day on 3 March is full (12 of 12 visits)." */
function refusalSentence(name: string, day: string, passed: { kind: 'visits' | 'minutes'; used: number; max: number }, minutes: number): string {
	const when = dayInWords(day);
	if (passed.kind === 'visits') return `${possessive(name)} day on ${when} is full (${passed.used} of ${passed.max} visits).`;
	if (passed.used >= passed.max) return `${possessive(name)} day on ${when} is full (${passed.used} of ${passed.max} booked minutes).`;
	return `${possessive(name)} day on ${when} has ${passed.max - passed.used} of ${passed.max} minutes left, too few for a ${minutes}-minute visit.`;
}

/**
 * Inside the booking's transaction: would this booking pass a clinic, location or provider
 * threshold for its day? Serialises bookings of one clinic day (advisory lock) so two concurrent
 * bookings cannot both take the last place. Call it before inserting the appointment.
 */
export async function checkCapacity(tx: Database, booking: CapacityBooking): Promise<CapacityCheck> {
	const timeZone = await clinicTimeZone(tx);
	const day = clinicDay(booking.startsAt, timeZone);
	const keys = scopeKeysOf(booking.practitionerId, booking.locationId);
	const limits = await loadLimits(tx, keys, [day]);
	const applicable = keys.map((key) => limits.limitFor(key, day)).filter((l): l is EffectiveLimit => l !== null);
	if (applicable.length === 0) return { allowed: true };

	// Held until the booking commits or rolls back; the counts below see every booking of this
	// day committed before (read committed takes a fresh snapshot per statement).
	await tx.execute(sql`select pg_advisory_xact_lock(${capacityLockNamespace}::int, hashtext(${day}))`);
	const bounds = clinicDayBounds(day, timeZone);
	const booked = new BookedBook(await loadBookedRows(tx, timeZone, { from: bounds.start, to: bounds.end }, booking.excludeAppointmentId));
	// Narrowest first: the provider's own day is the limit a person can act on.
	for (const limit of [...applicable].reverse()) {
		const passed = wouldPass(booked.of(limit.scopeKey, day), booking.bookedMinutes, limit);
		if (passed) return { allowed: false, reason: refusalSentence(await scopeName(tx, limit.scopeKey), day, passed, booking.bookedMinutes) };
	}
	return { allowed: true };
}

/** Staff who hear of capacity: the front desk and administrators. */
async function capacityAudience(db: Database): Promise<string[]> {
	const rows = await db.select({ id: users.id }).from(users).where(and(inArray(users.role, ['front_desk', 'clinic_admin']), eq(users.active, true)));
	return rows.map((r) => r.id);
}

/**
 * After a committed change: alert staff when a touched day's utilization is near or past a
 * threshold, once per scope, day and level (capacity_alerts' unique row decides who is first).
 * Never throws: the change it follows has committed; a failure is logged.
 */
export async function alertOnCapacity(db: Database, touched: { practitionerIds: string[]; locationIds: (string | null)[]; days: string[] }): Promise<void> {
	try {
		await raiseCapacityAlerts(db, touched);
	} catch (error) {
		if (hasRuntime()) getRuntime().logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'capacity alert failed');
	}
}

/** The alerts raised, for tests and callers that want to know. */
export async function raiseCapacityAlerts(
	db: Database,
	touched: { practitionerIds: string[]; locationIds: (string | null)[]; days: string[] }
): Promise<{ scopeKey: string; day: string; level: 'near' | 'over' }[]> {
	const days = [...new Set(touched.days)];
	if (days.length === 0) return [];
	const keys = [
		clinicScopeKey,
		...new Set(touched.locationIds.filter((id): id is string => id !== null).map(locationScopeKey)),
		...new Set(touched.practitionerIds.map(practitionerScopeKey))
	];
	const limits = await loadLimits(db, keys, days);
	if (limits.empty) return [];
	const timeZone = await clinicTimeZone(db);
	const sorted = [...days].sort();
	const booked = new BookedBook(
		await loadBookedRows(db, timeZone, { from: clinicDayBounds(sorted[0]!, timeZone).start, to: clinicDayBounds(sorted[sorted.length - 1]!, timeZone).end })
	);
	const raised: { scopeKey: string; day: string; level: 'near' | 'over' }[] = [];
	let audience: string[] | null = null;
	for (const day of days) {
		for (const key of keys) {
			const limit = limits.limitFor(key, day);
			if (!limit) continue;
			const used = booked.of(key, day);
			const { percent, state } = utilizationOf(used, limit);
			if (state === 'ok') continue;
			// Reaching 'over' also settles 'near', so a jump past both says one thing once.
			const levels: ('near' | 'over')[] = state === 'over' ? ['over', 'near'] : ['near'];
			const inserted = await db
				.insert(capacityAlerts)
				.values(levels.map((level) => ({ scopeKey: key, day, level })))
				.onConflictDoNothing()
				.returning({ level: capacityAlerts.level });
			if (!inserted.some((row) => row.level === state)) continue;
			audience ??= await capacityAudience(db);
			const name = await scopeName(db, key);
			const counts = describeUse(used, limit);
			const title = state === 'over' ? `${possessive(name)} day on ${dayInWords(day)} is full` : `${possessive(name)} day on ${dayInWords(day)} is nearly full`;
			await notifyUsers(db, audience, {
				kind: 'schedule.capacity',
				title,
				body: `${counts} (${percent}% of the limit${state === 'near' ? `; staff are told at ${limit.warnAtPercent}%` : ''}).`,
				link: `/schedule/capacity?date=${day}`,
				patientId: null
			});
			raised.push({ scopeKey: key, day, level: state });
		}
	}
	if (raised.length > 0) {
		publishScheduleChange({ kind: 'capacity', appointmentId: null, practitionerIds: [...new Set(touched.practitionerIds)], days: [...new Set(raised.map((r) => r.day))] });
	}
	return raised;
}

function describeUse(used: Booked, limit: EffectiveLimit): string {
	const parts: string[] = [];
	if (limit.maxAppointments !== null) parts.push(`${used.appointments} of ${limit.maxAppointments} visits`);
	if (limit.maxBookedMinutes !== null) parts.push(`${used.minutes} of ${limit.maxBookedMinutes} booked minutes`);
	return parts.join(', ').replace(/^./, (c) => c.toUpperCase());
}

/**
 * For slot search: a predicate saying whether one more visit of `minutes` fits every threshold
 * for that provider, location and clinic day (`day` is the clinic's local date). Loads the
 * limits and the days' counts in two queries for all candidates.
 */
export async function capacityPredicate(
	db: Database,
	scope: { practitionerIds: string[]; days: string[] }
): Promise<(slot: { practitionerId: string; locationId: string | null; day: string; minutes: number }) => boolean> {
	if (scope.days.length === 0) return () => true;
	// Every scope: a clinic or location limit counts other providers' visits too.
	const limits = await loadLimits(db, null, scope.days);
	if (limits.empty) return () => true;
	const timeZone = await clinicTimeZone(db);
	const sorted = [...scope.days].sort();
	const booked = new BookedBook(
		await loadBookedRows(db, timeZone, { from: clinicDayBounds(sorted[0]!, timeZone).start, to: clinicDayBounds(sorted[sorted.length - 1]!, timeZone).end })
	);
	const verdicts = new Map<string, boolean>();
	return (slot) => {
		const cacheKey = `${slot.practitionerId}|${slot.locationId ?? ''}|${slot.day}|${slot.minutes}`;
		const known = verdicts.get(cacheKey);
		if (known !== undefined) return known;
		let fits = true;
		for (const key of scopeKeysOf(slot.practitionerId, slot.locationId)) {
			const limit = limits.limitFor(key, slot.day);
			if (limit && wouldPass(booked.of(key, slot.day), slot.minutes, limit)) {
				fits = false;
				break;
			}
		}
		verdicts.set(cacheKey, fits);
		return fits;
	};
}
