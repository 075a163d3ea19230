/**
 * Slot search (FHIR's `$find`): free times of an appointment type, computed from availability
 * rules, exceptions and booked appointments — never stored. Loads everything for the range in
 * three indexed queries, then computes in memory (slot-engine.ts). No patient data is read, so
 * no actor is needed.
 */
import { and, eq, gt, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointments, availabilityExceptions, availabilityRules, locations, practitioners, type AppointmentModality, type AppointmentType } from '../../../../db/schema/index';
import { capacityPredicate } from './capacity';
import { SchedulingRefusal } from './errors';
import { computeSlots, type BusyRange, type EngineException, type EngineRule } from './slot-engine';
import { getAppointmentType } from './appointment-types';
import { clinicTimeZone, getSchedulingSettings, type SchedulingSettings } from './settings';
import { dayIndexer, daysOfRange } from './time';

export interface Slot {
	practitionerId: string;
	practitionerName: string;
	locationId: string;
	locationName: string;
	startsAt: string;
	endsAt: string;
	timeZone: string;
	modality: AppointmentModality;
	appointmentTypeId: string;
}

export interface SlotQuery {
	appointmentTypeId: string;
	practitionerIds?: string[];
	locationId?: string;
	from: Date;
	to: Date;
	limit?: number;
	/** Leave out slots past a capacity threshold (default true). */
	withinCapacity?: boolean;
	/** The portal's rules: minimum notice, booking horizon, portal-bookable types only. */
	portal?: boolean;
	/** For tests and the benchmark; defaults to the current time. */
	now?: Date;
}

/** Longest a visit can hold a calendar (480 min + 240 min buffer), to bound the busy query. */
const longestHoldMs = 12 * 60 * 60_000;
const maxRangeMs = 400 * 86_400_000;

export interface AvailabilityData {
	rules: EngineRule[];
	exceptions: EngineException[];
	busy: BusyRange[];
	practitionerNames: Map<string, string>;
	locationNames: Map<string, string>;
}

export function practitionerDisplayName(p: { givenName: string; familyName: string; credentials: string; kind?: string }): string {
	const name = `${p.givenName} ${p.familyName}`;
	if (p.kind === 'physician') return `Dr. ${name}`;
	return p.credentials ? `${name}, ${p.credentials}` : name;
}

/**
 * Rules, exceptions and busy ranges of the given practitioners (all with hours when omitted)
 * touching [from, to). `excludeAppointmentId` leaves one visit out of the busy time (a reschedule).
 */
export async function loadAvailability(
	db: Database,
	scope: { practitionerIds?: string[]; locationId?: string; from: Date; to: Date; excludeAppointmentId?: string; withBusy?: boolean }
): Promise<AvailabilityData> {
	const ids = scope.practitionerIds;
	if (ids && ids.length === 0) return { rules: [], exceptions: [], busy: [], practitionerNames: new Map(), locationNames: new Map() };
	const ruleWhere: SQL[] = [];
	if (ids) ruleWhere.push(inArray(availabilityRules.practitionerId, ids));
	if (scope.locationId) ruleWhere.push(eq(availabilityRules.locationId, scope.locationId));
	const exceptionWhere: SQL[] = [lt(availabilityExceptions.startsAt, scope.to), gt(availabilityExceptions.endsAt, new Date(scope.from.getTime() - longestHoldMs))];
	if (ids) exceptionWhere.push(inArray(availabilityExceptions.practitionerId, ids));
	// starts_at bounded below too, so the (practitioner_id, starts_at) index serves the range.
	const busyWhere: SQL[] = [
		sql`${appointments.startsAt} > ${new Date(scope.from.getTime() - longestHoldMs).toISOString()}::timestamptz`,
		sql`${appointments.startsAt} < ${new Date(scope.to.getTime() + longestHoldMs).toISOString()}::timestamptz`,
		sql`${appointments.occupiedUntil} > ${scope.from.toISOString()}::timestamptz`,
		sql`${appointments.status} <> 'cancelled'`
	];
	if (ids) busyWhere.push(inArray(appointments.practitionerId, ids));
	if (scope.excludeAppointmentId) busyWhere.push(ne(appointments.id, scope.excludeAppointmentId));

	const [ruleRows, exceptionRows, busyResult] = await Promise.all([
		db
			.select({
				practitionerId: availabilityRules.practitionerId,
				locationId: availabilityRules.locationId,
				weekday: availabilityRules.weekday,
				startMinute: availabilityRules.startMinute,
				endMinute: availabilityRules.endMinute,
				timeZone: availabilityRules.timeZone,
				modalities: availabilityRules.modalities,
				validFrom: availabilityRules.validFrom,
				validUntil: availabilityRules.validUntil,
				givenName: practitioners.givenName,
				familyName: practitioners.familyName,
				credentials: practitioners.credentials,
				kind: practitioners.kind,
				locationName: locations.name
			})
			.from(availabilityRules)
			.innerJoin(practitioners, eq(practitioners.id, availabilityRules.practitionerId))
			.innerJoin(locations, eq(locations.id, availabilityRules.locationId))
			.where(ruleWhere.length ? and(...ruleWhere) : undefined),
		db
			.select({
				practitionerId: availabilityExceptions.practitionerId,
				kind: availabilityExceptions.kind,
				locationId: availabilityExceptions.locationId,
				timeZone: locations.timeZone,
				locationName: locations.name,
				startsAt: availabilityExceptions.startsAt,
				endsAt: availabilityExceptions.endsAt
			})
			.from(availabilityExceptions)
			.leftJoin(locations, eq(locations.id, availabilityExceptions.locationId))
			.where(and(...exceptionWhere)),
		// Busy time as one compact string per provider ("start:until,…" in epoch seconds): a 90-day
		// search of a busy clinic reads tens of thousands of visits, and parsing them as rows and
		// Dates cost more than the query itself.
		scope.withBusy === false
			? Promise.resolve([])
			: db.execute(sql`
			select ${appointments.practitionerId} as p,
				string_agg(floor(date_part('epoch', ${appointments.startsAt}))::int8 || ':' || ceil(date_part('epoch', ${appointments.occupiedUntil}))::int8, ',') as r
			from ${appointments}
			where ${and(...busyWhere)}
			group by ${appointments.practitionerId}`)
	]);
	const practitionerNames = new Map<string, string>();
	const locationNames = new Map<string, string>();
	for (const row of ruleRows) {
		practitionerNames.set(row.practitionerId, practitionerDisplayName(row));
		locationNames.set(row.locationId, row.locationName);
	}
	for (const row of exceptionRows) if (row.locationId && row.locationName) locationNames.set(row.locationId, row.locationName);
	return {
		rules: ruleRows.map((r) => ({
			practitionerId: r.practitionerId,
			locationId: r.locationId,
			weekday: r.weekday,
			startMinute: r.startMinute,
			endMinute: r.endMinute,
			timeZone: r.timeZone,
			modalities: r.modalities,
			validFrom: r.validFrom,
			validUntil: r.validUntil
		})),
		exceptions: exceptionRows
			.filter((e) => !scope.locationId || e.kind === 'block' || e.locationId === scope.locationId)
			.map((e) => ({
				practitionerId: e.practitionerId,
				kind: e.kind,
				locationId: e.locationId,
				timeZone: e.timeZone,
				startsAt: e.startsAt.getTime(),
				endsAt: e.endsAt.getTime()
			})),
		busy: parseBusy(busyResult),
		practitionerNames,
		locationNames
	};
}

function parseBusy(result: unknown): BusyRange[] {
	const rows = ((result as { rows?: unknown[] }).rows ?? (result as unknown[])) as { p: string; r: string | null }[];
	const busy: BusyRange[] = [];
	for (const row of rows) {
		if (!row.r) continue;
		for (const pair of row.r.split(',')) {
			const colon = pair.indexOf(':');
			busy.push({ practitionerId: row.p, startsAt: Number(pair.slice(0, colon)) * 1000, until: Number(pair.slice(colon + 1)) * 1000 });
		}
	}
	return busy;
}

/** Free slots of a type, sorted by start, then provider. */
export async function findSlots(db: Database, query: SlotQuery): Promise<Slot[]> {
	const [type, settings] = await Promise.all([getAppointmentType(db, query.appointmentTypeId), getSchedulingSettings(db)]);
	if (!type || !type.active) throw new SchedulingRefusal('not_bookable', 'That kind of appointment cannot be booked.');
	if (query.portal && !type.portalBookable) throw new SchedulingRefusal('not_bookable', 'That kind of appointment is booked by the clinic; please call us.');
	return findSlotsOfType(db, type, query, settings);
}

/** findSlots with the type already loaded (booking's alternatives, the recommender). */
export async function findSlotsOfType(db: Database, type: AppointmentType, query: Omit<SlotQuery, 'appointmentTypeId'>, knownSettings?: SchedulingSettings): Promise<Slot[]> {
	const now = query.now ?? new Date();
	if (Number.isNaN(query.from.getTime()) || Number.isNaN(query.to.getTime())) throw new SchedulingRefusal('invalid', 'Choose a valid date range.');
	const settings = knownSettings ?? (await getSchedulingSettings(db));
	let to = Math.min(query.to.getTime(), query.from.getTime() + maxRangeMs);
	let notBefore = now.getTime();
	if (query.portal) {
		notBefore = now.getTime() + settings.minimumNoticeHours * 3_600_000;
		to = Math.min(to, now.getTime() + settings.bookingHorizonDays * 86_400_000);
	}
	const from = Math.max(query.from.getTime(), notBefore);
	if (to <= from) return [];
	// With a limit, look a week ahead first, then four: the first free times are usually near,
	// and a 90-day search of a whole clinic reads every visit in it.
	if (query.limit !== undefined && query.limit > 0) {
		for (const days of [7, 28]) {
			const windowTo = from + days * 86_400_000;
			if (windowTo >= to) break;
			const near = await searchWindow(db, type, query, settings.slotStepMinutes, from, windowTo, notBefore);
			if (near.length >= query.limit) return near.slice(0, query.limit);
		}
	}
	const found = await searchWindow(db, type, query, settings.slotStepMinutes, from, to, notBefore);
	return query.limit !== undefined ? found.slice(0, Math.max(0, query.limit)) : found;
}

async function searchWindow(
	db: Database,
	type: AppointmentType,
	query: Omit<SlotQuery, 'appointmentTypeId'>,
	stepMinutes: number,
	from: number,
	to: number,
	notBefore: number
): Promise<Slot[]> {
	const withinCapacity = query.withinCapacity !== false;
	const [data, zone] = await Promise.all([
		loadAvailability(db, { practitionerIds: query.practitionerIds, locationId: query.locationId, from: new Date(from), to: new Date(to) }),
		withinCapacity ? clinicTimeZone(db) : Promise.resolve('UTC')
	]);
	let engineSlots = computeSlots({
		from,
		to,
		durationMinutes: type.durationMinutes,
		bufferMinutes: type.bufferMinutes,
		modality: type.modality,
		stepMinutes,
		rules: data.rules,
		exceptions: data.exceptions,
		busy: data.busy,
		notBefore
	});
	if (withinCapacity && engineSlots.length > 0) {
		const practitionerIds = [...new Set(engineSlots.map((s) => s.practitionerId))];
		const fits = await capacityPredicate(db, { practitionerIds, days: daysOfRange(new Date(from), new Date(to), zone) });
		const dayOf = dayIndexer(from, to, zone);
		engineSlots = engineSlots.filter((s) => fits({ practitionerId: s.practitionerId, locationId: s.locationId, day: dayOf(s.startsAt), minutes: type.durationMinutes }));
	}
	if (query.limit !== undefined) engineSlots = engineSlots.slice(0, Math.max(0, query.limit));
	// Many slots share a start (fifty providers on one grid): format each instant once.
	const iso = new Map<number, string>();
	const isoOf = (millis: number) => {
		let text = iso.get(millis);
		if (text === undefined) iso.set(millis, (text = new Date(millis).toISOString()));
		return text;
	};
	return engineSlots.map((s) => ({
		practitionerId: s.practitionerId,
		practitionerName: data.practitionerNames.get(s.practitionerId) ?? '',
		locationId: s.locationId,
		locationName: data.locationNames.get(s.locationId) ?? '',
		startsAt: isoOf(s.startsAt),
		endsAt: isoOf(s.endsAt),
		timeZone: s.timeZone,
		modality: type.modality,
		appointmentTypeId: type.id
	}));
}

/**
 * Up to `count` free slots nearest to a wanted time, within capacity: the same provider first,
 * then others. What a refusal offers instead ("here are the nearest free times").
 */
export async function nearestAlternatives(
	db: Database,
	type: AppointmentType,
	wanted: { practitionerId: string; startsAt: Date; portal: boolean },
	count = 5
): Promise<Slot[]> {
	// A popular time refused to many people at once (the rush on a freed slot) is answered from
	// one search: the same answer for two seconds, shared while it is being computed.
	const key = `${type.id}|${wanted.practitionerId}|${wanted.startsAt.getTime()}|${wanted.portal}|${count}`;
	const now = Date.now();
	for (const [k, entry] of recentAlternatives) if (entry.expires < now) recentAlternatives.delete(k);
	const cached = recentAlternatives.get(key);
	if (cached && cached.db === db) return cached.slots;
	const slots = searchAlternatives(db, type, wanted, count);
	recentAlternatives.set(key, { db, slots, expires: now + 2000 });
	slots.catch(() => recentAlternatives.delete(key));
	return slots;
}

const recentAlternatives = new Map<string, { db: Database; slots: Promise<Slot[]>; expires: number }>();

async function searchAlternatives(db: Database, type: AppointmentType, wanted: { practitionerId: string; startsAt: Date; portal: boolean }, count: number): Promise<Slot[]> {
	const from = new Date(wanted.startsAt.getTime() - 2 * 86_400_000);
	const to = new Date(wanted.startsAt.getTime() + 21 * 86_400_000);
	const slots = await findSlotsOfType(db, type, { from, to, portal: wanted.portal, withinCapacity: true });
	const distance = (s: Slot) => Math.abs(Date.parse(s.startsAt) - wanted.startsAt.getTime());
	const wantedIso = wanted.startsAt.toISOString();
	const same = slots.filter((s) => s.practitionerId === wanted.practitionerId && s.startsAt !== wantedIso).sort((a, b) => distance(a) - distance(b));
	const others = slots.filter((s) => s.practitionerId !== wanted.practitionerId).sort((a, b) => distance(a) - distance(b));
	return [...same, ...others].slice(0, count);
}
