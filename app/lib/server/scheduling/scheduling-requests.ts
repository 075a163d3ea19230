import { and, asc, eq, ilike, inArray, max, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import {
	appointments,
	appointmentTypes,
	locations,
	patients,
	practitioners,
	schedulingRequests,
	schedulingRequestStatuses,
	urgencyLevels,
	users,
	type Appointment,
	type AppointmentModality,
	type Urgency
} from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizePatient, requirePermission } from '../access/patient-access';
import type { RolePermission } from '../access/policy';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';
import { bookAppointment, cancelAppointment } from './booking';
import { practitionerLabel } from './capacity';
import { SchedulingRefusal } from './errors';
import { publishScheduleChange } from './schedule-changes';
import { findSlots, type Slot } from './slots';

/**
 * The prioritisation queue: visits asked for but not booked yet. Staff see it sorted by urgency
 * (urgent first), then by their own order, which they change by drag and drop: `rank` is a
 * fraction between the neighbours, so one move writes one row; when two neighbours come too
 * close the group is renumbered in the same transaction. An urgent request goes at once to the
 * earliest slot within capacity; the others wait for staff to pick one.
 *
 * Requests are patient data: every read and change passes the access module (role permission,
 * then authorizePatient for one request) and is audited.
 */

export type RequestStatus = (typeof schedulingRequestStatuses)[number];

export interface SchedulingRequestView {
	id: string;
	patientId: string;
	patientName: string;
	mrn: string;
	urgency: Urgency;
	rank: number;
	appointmentTypeId: string;
	typeName: string;
	modality: AppointmentModality;
	durationMinutes: number;
	practitionerId: string | null;
	practitionerName: string | null;
	locationId: string | null;
	locationName: string | null;
	reason: string;
	notes: string;
	neededBy: string | null;
	status: RequestStatus;
	appointmentId: string | null;
	appointmentStartsAt: string | null;
	requestedByName: string | null;
	createdAt: string;
}

const uuid = z.string().uuid();
const isUuid = (value: unknown): value is string => uuid.safeParse(value).success;
const blankToNull = (v: unknown) => (v === '' || v === undefined ? null : v);

export const urgencyOrder: Record<Urgency, number> = { urgent: 0, soon: 1, routine: 2 };
export const urgencyLabels: Record<Urgency, string> = { urgent: 'Urgent', soon: 'Soon', routine: 'Routine' };

export const createRequestSchema = z.object({
	patientId: z.string({ error: 'Choose a patient.' }).uuid('Choose a patient.'),
	urgency: z.enum(urgencyLevels, { error: 'Choose routine, soon or urgent.' }),
	appointmentTypeId: z.string({ error: 'Choose the kind of visit.' }).uuid('Choose the kind of visit.'),
	practitionerId: z.preprocess(blankToNull, z.string().uuid('Choose a provider from the list.').nullable()),
	locationId: z.preprocess(blankToNull, z.string().uuid('Choose a location from the list.').nullable()),
	reason: z.string().trim().max(2000, 'Keep the reason under 2000 characters.').default(''),
	notes: z.string().trim().max(2000, 'Keep the notes under 2000 characters.').default(''),
	neededBy: z.preprocess(blankToNull, z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.').nullable())
});
export type CreateRequestInput = z.input<typeof createRequestSchema>;

export const requestFiltersSchema = z.object({
	urgency: z.preprocess(blankToNull, z.enum(urgencyLevels, { error: 'Choose an urgency from the list.' }).nullable()).default(null),
	practitionerId: z.preprocess(blankToNull, z.string().uuid('Choose a provider from the list.').nullable()).default(null),
	appointmentTypeId: z.preprocess(blankToNull, z.string().uuid('Choose a kind of visit from the list.').nullable()).default(null),
	status: z.preprocess(blankToNull, z.enum([...schedulingRequestStatuses, 'all'], { error: 'Choose a status from the list.' }).nullable()).default(null),
	q: z.preprocess(blankToNull, z.string().trim().max(100, 'Keep the search under 100 characters.').nullable()).default(null)
});
export type RequestFilters = z.infer<typeof requestFiltersSchema>;

/** Ranks within an urgency start this far apart; a move takes the midpoint of its neighbours. */
const rankStep = 1024;
/** Below this gap the neighbours' group is renumbered before placing. */
const minimumGap = 1e-6;
const reorderLockNamespace = 61_007;
/** How far ahead "earliest within capacity" looks. */
const searchDays = 60;

async function requireRole(db: Database, actor: Actor, permission: RolePermission, action: AuditAction, resourceId?: string): Promise<void> {
	try {
		requirePermission(actor, permission);
	} catch (error) {
		if (error instanceof AccessDenied) {
			await recordAuditEvent(db, actor, { action, outcome: 'denied', resourceType: 'scheduling_request', resourceId, reason: `role ${actor.role}` });
		}
		throw error;
	}
}

const requester = alias(users, 'requester');

function viewQuery(db: Database) {
	return db
		.select({
			id: schedulingRequests.id,
			patientId: schedulingRequests.patientId,
			givenName: patients.givenName,
			familyName: patients.familyName,
			mrn: patients.mrn,
			urgency: schedulingRequests.urgency,
			rank: schedulingRequests.rank,
			appointmentTypeId: schedulingRequests.appointmentTypeId,
			typeName: appointmentTypes.name,
			modality: appointmentTypes.modality,
			durationMinutes: appointmentTypes.durationMinutes,
			practitionerId: schedulingRequests.practitionerId,
			practitionerKind: practitioners.kind,
			practitionerGiven: practitioners.givenName,
			practitionerFamily: practitioners.familyName,
			locationId: schedulingRequests.locationId,
			locationName: locations.name,
			reason: schedulingRequests.reason,
			notes: schedulingRequests.notes,
			neededBy: schedulingRequests.neededBy,
			status: schedulingRequests.status,
			appointmentId: schedulingRequests.appointmentId,
			appointmentStartsAt: appointments.startsAt,
			requestedByName: requester.displayName,
			createdAt: schedulingRequests.createdAt
		})
		.from(schedulingRequests)
		.innerJoin(patients, eq(patients.id, schedulingRequests.patientId))
		.innerJoin(appointmentTypes, eq(appointmentTypes.id, schedulingRequests.appointmentTypeId))
		.leftJoin(practitioners, eq(practitioners.id, schedulingRequests.practitionerId))
		.leftJoin(locations, eq(locations.id, schedulingRequests.locationId))
		.leftJoin(appointments, eq(appointments.id, schedulingRequests.appointmentId))
		.leftJoin(requester, eq(requester.id, schedulingRequests.requestedByUserId));
}

type ViewRow = Awaited<ReturnType<ReturnType<typeof viewQuery>['execute']>>[number];

function toView(row: ViewRow): SchedulingRequestView {
	return {
		id: row.id,
		patientId: row.patientId,
		patientName: `${row.givenName} ${row.familyName}`,
		mrn: row.mrn,
		urgency: row.urgency,
		rank: row.rank,
		appointmentTypeId: row.appointmentTypeId,
		typeName: row.typeName,
		modality: row.modality,
		durationMinutes: row.durationMinutes,
		practitionerId: row.practitionerId,
		practitionerName: row.practitionerKind && row.practitionerGiven !== null && row.practitionerFamily !== null ? practitionerLabel({ kind: row.practitionerKind, givenName: row.practitionerGiven, familyName: row.practitionerFamily }) : null,
		locationId: row.locationId,
		locationName: row.locationName,
		reason: row.reason,
		notes: row.notes,
		neededBy: row.neededBy,
		status: row.status,
		appointmentId: row.appointmentId,
		appointmentStartsAt: row.appointmentStartsAt ? row.appointmentStartsAt.toISOString() : null,
		requestedByName: row.requestedByName,
		createdAt: row.createdAt.toISOString()
	};
}

const urgencySort = sql`case ${schedulingRequests.urgency} when 'urgent' then 0 when 'soon' then 1 else 2 end`;

/** The queue: urgent first, then staff's order; waiting requests unless a status filter says otherwise. */
export async function listSchedulingRequests(db: Database, actor: Actor, filters: Partial<RequestFilters> = {}): Promise<SchedulingRequestView[]> {
	await requireRole(db, actor, 'schedule.view', 'appointment.list');
	const conditions: SQL[] = [];
	const status = filters.status ?? 'waiting';
	if (status !== 'all') conditions.push(eq(schedulingRequests.status, status));
	if (filters.urgency) conditions.push(eq(schedulingRequests.urgency, filters.urgency));
	if (filters.practitionerId && isUuid(filters.practitionerId)) conditions.push(eq(schedulingRequests.practitionerId, filters.practitionerId));
	if (filters.appointmentTypeId && isUuid(filters.appointmentTypeId)) conditions.push(eq(schedulingRequests.appointmentTypeId, filters.appointmentTypeId));
	if (filters.q) {
		const like = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		conditions.push(or(ilike(patients.givenName, like), ilike(patients.familyName, like), ilike(sql`${patients.givenName} || ' ' || ${patients.familyName}`, like), ilike(patients.mrn, like))!);
	}
	const rows = await viewQuery(db)
		.where(conditions.length ? and(...conditions) : undefined)
		.orderBy(urgencySort, asc(schedulingRequests.rank), asc(schedulingRequests.createdAt), asc(schedulingRequests.id))
		.limit(500);
	// One event per read, naming the queue and the filter, not the patients.
	await recordAuditEvent(db, actor, {
		action: 'appointment.list',
		outcome: 'success',
		resourceType: 'scheduling_requests',
		resourceId: 'queue',
		reason: `status ${status}${filters.urgency ? `, urgency ${filters.urgency}` : ''}${filters.q ? ', searched' : ''}; ${rows.length} rows`
	});
	return rows.map(toView);
}

async function loadRequest(db: Database, requestId: string): Promise<SchedulingRequestView> {
	if (!isUuid(requestId)) throw new NotFound('No request with that id.');
	const [row] = await viewQuery(db).where(eq(schedulingRequests.id, requestId));
	if (!row) throw new NotFound('No request with that id.');
	return toView(row);
}

/** One request, for the side panel. */
export async function getSchedulingRequest(db: Database, actor: Actor, requestId: string): Promise<SchedulingRequestView> {
	await requireRole(db, actor, 'schedule.view', 'appointment.view', requestId);
	const request = await loadRequest(db, requestId);
	await authorizePatient(db, actor, request.patientId, { action: 'appointment.view', resourceType: 'scheduling_request', resourceId: request.id });
	return request;
}

export interface ScheduleOutcome {
	request: SchedulingRequestView;
	appointment: Appointment | null;
	/** A sentence for the person: where it was booked, or why it waits. */
	message: string;
}

/** Adds a request at the end of its urgency; an urgent one is booked at once into the earliest slot within capacity. */
export async function createSchedulingRequest(db: Database, actor: Actor, input: CreateRequestInput, options: { now?: Date } = {}): Promise<ScheduleOutcome> {
	await requireRole(db, actor, 'schedule.book', 'schedule.request_create');
	const value = createRequestSchema.parse(input);
	await authorizePatient(db, actor, value.patientId, { action: 'schedule.request_create', resourceType: 'scheduling_request' });
	const [type] = await db.select({ id: appointmentTypes.id, active: appointmentTypes.active }).from(appointmentTypes).where(eq(appointmentTypes.id, value.appointmentTypeId));
	if (!type?.active) throw new SchedulingRefusal('not_bookable', 'That kind of visit cannot be booked.');
	if (value.practitionerId) {
		const [p] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, value.practitionerId));
		if (!p) throw new SchedulingRefusal('invalid', 'Choose a provider from the list.');
	}
	if (value.locationId) {
		const [l] = await db.select({ id: locations.id }).from(locations).where(eq(locations.id, value.locationId));
		if (!l) throw new SchedulingRefusal('invalid', 'Choose a location from the list.');
	}
	const id = await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${reorderLockNamespace}::int, hashtext(${value.urgency}))`);
		const [last] = await tx
			.select({ rank: max(schedulingRequests.rank) })
			.from(schedulingRequests)
			.where(and(eq(schedulingRequests.status, 'waiting'), eq(schedulingRequests.urgency, value.urgency)));
		const [row] = await tx
			.insert(schedulingRequests)
			.values({ ...value, rank: (last?.rank ?? 0) + rankStep, requestedByUserId: actor.userId })
			.returning({ id: schedulingRequests.id });
		return row!.id;
	});
	publishScheduleChange({ kind: 'request', appointmentId: null, practitionerIds: value.practitionerId ? [value.practitionerId] : [], days: [] });
	if (value.urgency === 'urgent') {
		try {
			return await scheduleEarliestWithinCapacity(db, actor, id, options);
		} catch (error) {
			if (!(error instanceof SchedulingRefusal)) throw error;
			return { request: await loadRequest(db, id), appointment: null, message: `${error.message} The request waits at the top of the queue.` };
		}
	}
	return { request: await loadRequest(db, id), appointment: null, message: 'The request is in the queue.' };
}

/**
 * Moves a request between two neighbours of the list as shown (either may be null: the top or
 * the bottom of its urgency). Neighbours of another urgency or no longer waiting are ignored,
 * so a request never leaves its urgency group by being dragged.
 */
export async function reorderSchedulingRequest(db: Database, actor: Actor, input: { requestId: string; previousId: string | null; nextId: string | null }): Promise<SchedulingRequestView> {
	await requireRole(db, actor, 'schedule.book', 'schedule.request_reorder', isUuid(input.requestId) ? input.requestId : undefined);
	const request = await loadRequest(db, input.requestId);
	await authorizePatient(db, actor, request.patientId, { action: 'schedule.request_reorder', resourceType: 'scheduling_request', resourceId: request.id });
	if (request.status !== 'waiting') throw new SchedulingRefusal('not_allowed_status', 'Only waiting requests can be moved.');
	const neighbourIds = [input.previousId, input.nextId].filter((id): id is string => isUuid(id) && id !== request.id);
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${reorderLockNamespace}::int, hashtext(${request.urgency}))`);
		const neighbourRank = async () => {
			const rows = neighbourIds.length
				? await tx
						.select({ id: schedulingRequests.id, rank: schedulingRequests.rank })
						.from(schedulingRequests)
						.where(and(inArray(schedulingRequests.id, neighbourIds), eq(schedulingRequests.status, 'waiting'), eq(schedulingRequests.urgency, request.urgency)))
				: [];
			const rankOf = (id: string | null) => rows.find((r) => r.id === id)?.rank ?? null;
			return { previous: rankOf(input.previousId), next: rankOf(input.nextId) };
		};
		let { previous, next } = await neighbourRank();
		if (previous !== null && next !== null && (next - previous < minimumGap || next <= previous)) {
			await renumber(tx as unknown as Database, request.urgency);
			({ previous, next } = await neighbourRank());
		}
		let rank: number;
		if (previous !== null && next !== null) rank = previous < next ? (previous + next) / 2 : previous + rankStep / 2;
		else if (previous !== null) rank = previous + rankStep;
		else if (next !== null) rank = next - rankStep;
		else return; // nothing to place against: the order stays
		await tx.update(schedulingRequests).set({ rank, updatedAt: new Date() }).where(eq(schedulingRequests.id, request.id));
	});
	publishScheduleChange({ kind: 'request', appointmentId: null, practitionerIds: [], days: [] });
	return loadRequest(db, request.id);
}

/** Renumbers the waiting requests of one urgency 1024, 2048, … in their current order. */
async function renumber(tx: Database, urgency: Urgency): Promise<void> {
	await tx.execute(sql`
		update scheduling_requests s set rank = r.n * ${rankStep}::double precision, updated_at = now()
		from (select id, row_number() over (order by rank, created_at, id) as n from scheduling_requests where status = 'waiting' and urgency = ${urgency}) r
		where s.id = r.id`);
}

async function requestForChange(db: Database, actor: Actor, requestId: string): Promise<SchedulingRequestView> {
	await requireRole(db, actor, 'schedule.book', 'schedule.request_update', isUuid(requestId) ? requestId : undefined);
	const request = await loadRequest(db, requestId);
	await authorizePatient(db, actor, request.patientId, { action: 'schedule.request_update', resourceType: 'scheduling_request', resourceId: request.id });
	if (request.status !== 'waiting') {
		throw new SchedulingRefusal('not_allowed_status', request.status === 'scheduled' ? 'This request has already been booked.' : 'This request was cancelled.');
	}
	return request;
}

/** Marks the request booked; if someone else handled it meanwhile, the new visit is cancelled again. */
async function attach(db: Database, actor: Actor, request: SchedulingRequestView, appointment: Appointment): Promise<SchedulingRequestView> {
	const updated = await db
		.update(schedulingRequests)
		.set({ status: 'scheduled', appointmentId: appointment.id, updatedAt: new Date() })
		.where(and(eq(schedulingRequests.id, request.id), eq(schedulingRequests.status, 'waiting')))
		.returning({ id: schedulingRequests.id });
	if (updated.length === 0) {
		await cancelAppointment(db, actor, { appointmentId: appointment.id, reason: 'The request had already been handled.' });
		throw new SchedulingRefusal('stale', 'Someone else handled this request a moment ago.');
	}
	await recordAuditEvent(db, actor, {
		action: 'schedule.request_update',
		outcome: 'success',
		patientId: request.patientId,
		resourceType: 'scheduling_request',
		resourceId: request.id,
		reason: `scheduled as appointment ${appointment.id}`
	});
	publishScheduleChange({ kind: 'request', appointmentId: appointment.id, practitionerIds: [appointment.practitionerId], days: [] });
	return loadRequest(db, request.id);
}

function bookingInput(request: SchedulingRequestView, slot: { practitionerId: string; locationId: string | null; startsAt: Date | string }) {
	return {
		patientId: request.patientId,
		appointmentTypeId: request.appointmentTypeId,
		practitionerId: slot.practitionerId,
		locationId: slot.locationId,
		startsAt: slot.startsAt,
		reason: request.reason,
		notes: request.notes,
		urgency: request.urgency
	};
}

/**
 * Where "earliest within capacity" looks: an urgent request takes whoever is free first (at the
 * preferred location, if any); any other takes the preferred provider first, then anyone.
 */
async function candidateSlots(db: Database, request: SchedulingRequestView, now: Date): Promise<Slot[]> {
	const from = now;
	const to = new Date(now.getTime() + searchDays * 86_400_000);
	const search = (practitionerIds: string[] | undefined, locationId: string | undefined) =>
		findSlots(db, { appointmentTypeId: request.appointmentTypeId, practitionerIds, locationId, from, to, limit: 20, withinCapacity: true });
	const tries: [string[] | undefined, string | undefined][] = [];
	if (request.urgency !== 'urgent' && request.practitionerId) tries.push([[request.practitionerId], request.locationId ?? undefined]);
	if (request.locationId) tries.push([undefined, request.locationId]);
	tries.push([undefined, undefined]);
	for (const [practitionerIds, locationId] of tries) {
		const slots = await search(practitionerIds, locationId);
		if (slots.length > 0) return slots;
	}
	return [];
}

/** Books the request into the earliest slot within capacity, trying the next one when a slot was just taken. */
export async function scheduleEarliestWithinCapacity(db: Database, actor: Actor, requestId: string, options: { now?: Date } = {}): Promise<ScheduleOutcome> {
	const request = await requestForChange(db, actor, requestId);
	const slots = await candidateSlots(db, request, options.now ?? new Date());
	for (const slot of slots) {
		try {
			const appointment = await bookAppointment(db, actor, bookingInput(request, slot));
			const updated = await attach(db, actor, request, appointment);
			return { request: updated, appointment, message: `Booked with ${slot.practitionerName} at ${slot.locationName}.` };
		} catch (error) {
			// Someone took the slot, or the day filled up, between the search and the booking.
			if (error instanceof SchedulingRefusal && (error.code === 'slot_taken' || error.code === 'over_capacity')) continue;
			throw error;
		}
	}
	throw new SchedulingRefusal('over_capacity', `No free time within capacity in the next ${searchDays} days for this kind of visit.`);
}

/** Books the request into a slot staff picked. A refusal (taken, over capacity) carries alternatives. */
export async function scheduleRequestAt(
	db: Database,
	actor: Actor,
	input: { requestId: string; practitionerId: string; locationId: string | null; startsAt: Date | string }
): Promise<ScheduleOutcome> {
	const request = await requestForChange(db, actor, input.requestId);
	const appointment = await bookAppointment(db, actor, bookingInput(request, input));
	const updated = await attach(db, actor, request, appointment);
	return { request: updated, appointment, message: 'Booked.' };
}

/** Slots staff may pick for a request (its type; its preferred provider first when set). No patient data. */
export async function slotsForRequest(db: Database, actor: Actor, requestId: string, options: { now?: Date; days?: number } = {}): Promise<Slot[]> {
	await requireRole(db, actor, 'schedule.book', 'appointment.view', isUuid(requestId) ? requestId : undefined);
	const request = await loadRequest(db, requestId);
	const now = options.now ?? new Date();
	const to = new Date(now.getTime() + (options.days ?? 14) * 86_400_000);
	const slots = await findSlots(db, { appointmentTypeId: request.appointmentTypeId, locationId: request.locationId ?? undefined, from: now, to, limit: 400, withinCapacity: true });
	const preferred = slots.filter((s) => s.practitionerId === request.practitionerId);
	const others = slots.filter((s) => s.practitionerId !== request.practitionerId);
	return [...preferred.slice(0, 20), ...others.slice(0, 20)];
}

/** Takes a request off the queue. */
export async function cancelSchedulingRequest(db: Database, actor: Actor, input: { requestId: string; reason?: string }): Promise<SchedulingRequestView> {
	const request = await requestForChange(db, actor, input.requestId);
	const note = (input.reason ?? '').trim().slice(0, 500);
	await db.transaction(async (tx) => {
		await tx
			.update(schedulingRequests)
			.set({ status: 'cancelled', notes: note ? (request.notes ? `${request.notes}\nCancelled: ${note}` : `Cancelled: ${note}`) : request.notes, updatedAt: new Date() })
			.where(and(eq(schedulingRequests.id, request.id), eq(schedulingRequests.status, 'waiting')));
		await recordAuditEvent(tx as unknown as Database, actor, {
			action: 'schedule.request_update',
			outcome: 'success',
			patientId: request.patientId,
			resourceType: 'scheduling_request',
			resourceId: request.id,
			reason: 'cancelled'
		});
	});
	publishScheduleChange({ kind: 'request', appointmentId: null, practitionerIds: [], days: [] });
	return loadRequest(db, request.id);
}

/** For the new-request form: choices without patient data. */
export async function requestFormChoices(db: Database): Promise<{
	types: { id: string; name: string; modality: AppointmentModality; durationMinutes: number }[];
	practitioners: { id: string; name: string }[];
	locations: { id: string; name: string }[];
}> {
	const [types, people, places] = await Promise.all([
		db
			.select({ id: appointmentTypes.id, name: appointmentTypes.name, modality: appointmentTypes.modality, durationMinutes: appointmentTypes.durationMinutes })
			.from(appointmentTypes)
			.where(eq(appointmentTypes.active, true))
			.orderBy(asc(appointmentTypes.name)),
		db
			.select({ id: practitioners.id, kind: practitioners.kind, givenName: practitioners.givenName, familyName: practitioners.familyName })
			.from(practitioners)
			.orderBy(asc(practitioners.familyName), asc(practitioners.givenName)),
		db.select({ id: locations.id, name: locations.name }).from(locations).orderBy(asc(locations.name))
	]);
	return { types, practitioners: people.map((p) => ({ id: p.id, name: practitionerLabel(p) })), locations: places };
}
