/**
 * Providers' weekly working hours (per location and time zone) and exceptions: blocks for
 * personal or professional commitments, and extra hours. Managed by staff with
 * 'schedule.manage' (and a practitioner their own); every change audited and published to
 * open calendars.
 */
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import {
	appointmentModalities,
	availabilityExceptions,
	availabilityRules,
	blockCategories,
	locations,
	practitioners,
	type AppointmentModality,
	type AvailabilityException,
	type AvailabilityRule
} from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { roleMay } from '../access/policy';
import { recordAuditEvent } from '../audit/audit-log';
import { isUuid } from './appointment-types';
import { SchedulingRefusal } from './errors';
import { publishScheduleChange } from './schedule-changes';
import { clinicTimeZone } from './settings';
import { daysOfRange, isValidTimeZone } from './time';

export type { AvailabilityRule, AvailabilityException };

export interface WeeklyHoursRule {
	locationId: string;
	/** ISO weekday, 1 Monday … 7 Sunday. */
	weekday: number;
	startMinute: number;
	endMinute: number;
	/** Defaults to the location's zone. */
	timeZone?: string;
	modalities?: AppointmentModality[];
	validFrom?: string | null;
	validUntil?: string | null;
}

export async function listWeeklyHours(db: Database, practitionerId: string): Promise<AvailabilityRule[]> {
	if (!isUuid(practitionerId)) return [];
	return db
		.select()
		.from(availabilityRules)
		.where(eq(availabilityRules.practitionerId, practitionerId))
		.orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startMinute));
}

/** Staff with 'schedule.manage', or a practitioner for their own hours; refusals audited. */
async function authorizeManage(db: Database, actor: Actor, practitionerId: string | null, detail: string): Promise<void> {
	const own = practitionerId !== null && actor.practitionerId === practitionerId;
	if (roleMay(actor.role, 'schedule.manage') || own) return;
	await recordAuditEvent(db, actor, { action: 'schedule.availability_change', outcome: 'denied', resourceType: 'practitioner', resourceId: practitionerId ?? undefined, reason: `role ${actor.role}; ${detail}` });
	throw new AccessDenied('Your role does not allow changing working hours.');
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** Replaces all of a provider's weekly hours. Overlapping hours on one weekday are refused. */
export async function setWeeklyHours(db: Database, actor: Actor, practitionerId: string, rules: WeeklyHoursRule[]): Promise<AvailabilityRule[]> {
	if (!isUuid(practitionerId)) throw new NotFound('No provider with that id.');
	await authorizeManage(db, actor, practitionerId, 'weekly hours');
	const [practitioner] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, practitionerId));
	if (!practitioner) throw new NotFound('No provider with that id.');
	if (rules.length > 100) throw new SchedulingRefusal('invalid', 'That is too many working-hour rules for one provider.');
	const locationRows = await db.select({ id: locations.id, timeZone: locations.timeZone }).from(locations);
	const zones = new Map(locationRows.map((l) => [l.id, l.timeZone]));
	const values = rules.map((rule) => {
		if (!isUuid(rule.locationId) || !zones.has(rule.locationId)) throw new SchedulingRefusal('invalid', 'Choose a location for every row of hours.');
		if (!Number.isInteger(rule.weekday) || rule.weekday < 1 || rule.weekday > 7) throw new SchedulingRefusal('invalid', 'Choose a day of the week for every row of hours.');
		if (!Number.isInteger(rule.startMinute) || !Number.isInteger(rule.endMinute) || rule.startMinute < 0 || rule.endMinute > 1440 || rule.startMinute >= rule.endMinute) {
			throw new SchedulingRefusal('invalid', 'Each row of hours needs a start before its end, within one day.');
		}
		const timeZone = rule.timeZone ?? zones.get(rule.locationId)!;
		if (!isValidTimeZone(timeZone)) throw new SchedulingRefusal('invalid', `"${timeZone}" is not a time zone we know.`);
		const modalities = rule.modalities ?? [...appointmentModalities];
		if (modalities.length === 0 || modalities.some((m) => !appointmentModalities.includes(m))) throw new SchedulingRefusal('invalid', 'Choose in person, telehealth or both for every row of hours.');
		for (const date of [rule.validFrom, rule.validUntil]) if (date && !datePattern.test(date)) throw new SchedulingRefusal('invalid', 'Dates must look like 2026-03-09.');
		if (rule.validFrom && rule.validUntil && rule.validFrom > rule.validUntil) throw new SchedulingRefusal('invalid', 'The "from" date must come before the "until" date.');
		return {
			practitionerId,
			locationId: rule.locationId,
			weekday: rule.weekday,
			startMinute: rule.startMinute,
			endMinute: rule.endMinute,
			timeZone,
			modalities: [...new Set(modalities)],
			validFrom: rule.validFrom ?? null,
			validUntil: rule.validUntil ?? null
		};
	});
	// Two rows of one weekday may not overlap where their validity overlaps.
	for (let i = 0; i < values.length; i++) {
		for (let j = i + 1; j < values.length; j++) {
			const a = values[i]!;
			const b = values[j]!;
			if (a.weekday !== b.weekday || a.timeZone !== b.timeZone) continue;
			const datesOverlap = (a.validFrom ?? '0000') <= (b.validUntil ?? '9999') && (b.validFrom ?? '0000') <= (a.validUntil ?? '9999');
			if (datesOverlap && a.startMinute < b.endMinute && b.startMinute < a.endMinute) {
				throw new SchedulingRefusal('invalid', 'Two rows of hours on the same day overlap. Merge them or change the times.');
			}
		}
	}
	const saved = await db.transaction(async (tx) => {
		await tx.delete(availabilityRules).where(eq(availabilityRules.practitionerId, practitionerId));
		const rows = values.length ? await tx.insert(availabilityRules).values(values).returning() : [];
		await recordAuditEvent(tx, actor, { action: 'schedule.availability_change', outcome: 'success', resourceType: 'practitioner', resourceId: practitionerId, reason: `weekly hours: ${rows.length} rows` });
		return rows;
	});
	publishScheduleChange({ kind: 'availability', appointmentId: null, practitionerIds: [practitionerId], days: [] });
	return saved.sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute);
}

export async function listExceptions(db: Database, practitionerId: string, from: Date, to: Date): Promise<AvailabilityException[]> {
	if (!isUuid(practitionerId)) return [];
	return db
		.select()
		.from(availabilityExceptions)
		.where(and(eq(availabilityExceptions.practitionerId, practitionerId), lt(availabilityExceptions.startsAt, to), gt(availabilityExceptions.endsAt, from)))
		.orderBy(asc(availabilityExceptions.startsAt));
}

export interface ExceptionInput {
	practitionerId: string;
	kind: 'block' | 'extra';
	category?: (typeof blockCategories)[number];
	/** Required for extra hours. */
	locationId?: string | null;
	startsAt: Date | string;
	endsAt: Date | string;
	reason?: string;
}

/**
 * Adds a block or extra hours. A block over booked visits does not cancel them: they stay on
 * the calendar for staff to move; no new slot is offered in the blocked time.
 */
export async function addException(db: Database, actor: Actor, input: ExceptionInput): Promise<AvailabilityException> {
	if (!isUuid(input.practitionerId)) throw new NotFound('No provider with that id.');
	await authorizeManage(db, actor, input.practitionerId, input.kind);
	if (input.kind !== 'block' && input.kind !== 'extra') throw new SchedulingRefusal('invalid', 'Choose a block or extra hours.');
	const category = input.category ?? 'other';
	if (!blockCategories.includes(category)) throw new SchedulingRefusal('invalid', 'Choose personal, professional or other.');
	const startsAt = new Date(input.startsAt);
	const endsAt = new Date(input.endsAt);
	if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) throw new SchedulingRefusal('invalid', 'Choose a valid start and end.');
	if (startsAt >= endsAt) throw new SchedulingRefusal('invalid', 'The end must come after the start.');
	if (endsAt.getTime() - startsAt.getTime() > 366 * 86_400_000) throw new SchedulingRefusal('invalid', 'A block or extra hours can last at most a year.');
	if (input.kind === 'extra' && endsAt.getTime() - startsAt.getTime() > 86_400_000) throw new SchedulingRefusal('invalid', 'Extra hours are added one day at a time.');
	let locationId: string | null = null;
	if (input.locationId) {
		if (!isUuid(input.locationId)) throw new SchedulingRefusal('invalid', 'Choose a location.');
		const [location] = await db.select({ id: locations.id }).from(locations).where(eq(locations.id, input.locationId));
		if (!location) throw new SchedulingRefusal('invalid', 'Choose a location.');
		locationId = location.id;
	}
	if (input.kind === 'extra' && !locationId) throw new SchedulingRefusal('invalid', 'Say where the extra hours are worked.');
	const [practitioner] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, input.practitionerId));
	if (!practitioner) throw new NotFound('No provider with that id.');
	const row = await db.transaction(async (tx) => {
		const [created] = await tx
			.insert(availabilityExceptions)
			.values({
				practitionerId: input.practitionerId,
				kind: input.kind,
				category,
				locationId,
				startsAt,
				endsAt,
				reason: (input.reason ?? '').trim().slice(0, 500),
				createdByUserId: actor.userId
			})
			.returning();
		await recordAuditEvent(tx, actor, { action: 'schedule.availability_change', outcome: 'success', resourceType: 'availability_exception', resourceId: created!.id, reason: `${input.kind} added` });
		return created!;
	});
	const zone = await clinicTimeZone(db);
	publishScheduleChange({ kind: 'availability', appointmentId: null, practitionerIds: [row.practitionerId], days: daysOfRange(row.startsAt, row.endsAt, zone).slice(0, 62) });
	return row;
}

export async function removeException(db: Database, actor: Actor, id: string): Promise<void> {
	if (!isUuid(id)) throw new NotFound('No block with that id.');
	const [existing] = await db.select().from(availabilityExceptions).where(eq(availabilityExceptions.id, id));
	if (!existing) throw new NotFound('No block with that id.');
	await authorizeManage(db, actor, existing.practitionerId, `remove ${existing.kind}`);
	await db.transaction(async (tx) => {
		await tx.delete(availabilityExceptions).where(eq(availabilityExceptions.id, id));
		await recordAuditEvent(tx, actor, { action: 'schedule.availability_change', outcome: 'success', resourceType: 'availability_exception', resourceId: id, reason: `${existing.kind} removed` });
	});
	const zone = await clinicTimeZone(db);
	publishScheduleChange({ kind: 'availability', appointmentId: null, practitionerIds: [existing.practitionerId], days: daysOfRange(existing.startsAt, existing.endsAt, zone).slice(0, 62) });
}
