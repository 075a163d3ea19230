import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { availabilityRules, capacityLimits, capacityScopes, locations, practitioners, type CapacityLimit, type CapacityScope } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import type { RolePermission } from '../access/policy';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';

export { capacityScopes };
import {
	alertOnCapacity,
	BookedBook,
	clinicDay,
	clinicDayBounds,
	clinicScopeKey,
	clinicTimeZone,
	loadBookedRows,
	loadLimits,
	locationScopeKey,
	practitionerLabel,
	practitionerScopeKey,
	scopeKeyOf,
	utilizationOf,
	type Booked,
	type CapacityState,
	type EffectiveLimit
} from './capacity';
import { publishScheduleChange } from './schedule-changes';

/**
 * The utilization dashboard's reads and the management of capacity thresholds. Counts carry no
 * patient data, yet who looks at the clinic's load is audited ('schedule.capacity_view'), and
 * every change of a threshold is ('schedule.capacity_change').
 */

export interface ScopeUtilization {
	scope: CapacityScope;
	scopeKey: string;
	/** The location's or provider's id; null for the clinic. */
	targetId: string | null;
	name: string;
	booked: Booked;
	limit: EffectiveLimit | null;
	/** The larger of the visit and minute shares of the limit, in percent; null without a limit. */
	percent: number | null;
	state: CapacityState;
}

export interface UtilizationView {
	day: string;
	timeZone: string;
	clinic: ScopeUtilization;
	locations: ScopeUtilization[];
	practitioners: ScopeUtilization[];
}

export const isoDay = z
	.string({ error: 'Choose a date.' })
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.')
	.refine((value) => !Number.isNaN(Date.parse(`${value}T12:00:00Z`)) && new Date(`${value}T12:00:00Z`).toISOString().startsWith(value), 'That date does not exist.');

async function requireScheduling(db: Database, actor: Actor, permission: RolePermission, action: AuditAction): Promise<void> {
	try {
		requirePermission(actor, permission);
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action, outcome: 'denied', reason: `role may not ${permission}` });
		throw error;
	}
}

/** Today in the clinic's time zone. */
export async function clinicToday(db: Database, now = new Date()): Promise<string> {
	return clinicDay(now, await clinicTimeZone(db));
}

/** Utilization of one clinic day for the clinic, each location and each provider who works or is booked. */
export async function getUtilization(db: Database, actor: Actor, input: { day: string }): Promise<UtilizationView> {
	await requireScheduling(db, actor, 'schedule.view', 'schedule.capacity_view');
	const day = isoDay.parse(input.day);
	const timeZone = await clinicTimeZone(db);
	const bounds = clinicDayBounds(day, timeZone);
	const [rows, limits, locationRows, working] = await Promise.all([
		loadBookedRows(db, timeZone, { from: bounds.start, to: bounds.end }),
		loadLimits(db, null, [day]),
		db.select({ id: locations.id, name: locations.name }).from(locations).orderBy(asc(locations.name)),
		db.selectDistinct({ id: availabilityRules.practitionerId }).from(availabilityRules)
	]);
	const booked = new BookedBook(rows);
	const limitRows = await db.select({ practitionerId: capacityLimits.practitionerId }).from(capacityLimits).where(eq(capacityLimits.scope, 'practitioner'));
	const practitionerIds = [...new Set([...working.map((w) => w.id), ...rows.map((r) => r.practitionerId), ...limitRows.flatMap((r) => (r.practitionerId ? [r.practitionerId] : []))])];
	const people = practitionerIds.length
		? await db
				.select({ id: practitioners.id, kind: practitioners.kind, givenName: practitioners.givenName, familyName: practitioners.familyName })
				.from(practitioners)
				.where(inArray(practitioners.id, practitionerIds))
				.orderBy(asc(practitioners.familyName), asc(practitioners.givenName))
		: [];

	const scopeOf = (scope: CapacityScope, scopeKey: string, targetId: string | null, name: string): ScopeUtilization => {
		const used = booked.of(scopeKey, day);
		const limit = limits.limitFor(scopeKey, day);
		return { scope, scopeKey, targetId, name, booked: used, limit, ...utilizationOf(used, limit) };
	};
	await recordAuditEvent(db, actor, { action: 'schedule.capacity_view', outcome: 'success', resourceType: 'capacity', resourceId: day });
	return {
		day,
		timeZone,
		clinic: scopeOf('clinic', clinicScopeKey, null, 'Whole clinic'),
		locations: locationRows.map((l) => scopeOf('location', locationScopeKey(l.id), l.id, l.name)),
		practitioners: people.map((p) => scopeOf('practitioner', practitionerScopeKey(p.id), p.id, practitionerLabel(p)))
	};
}

/** The thresholds that can be edited for a day: the standing ones and that day's own. */
export async function listCapacityLimits(db: Database, actor: Actor, input: { day: string }): Promise<CapacityLimit[]> {
	await requireScheduling(db, actor, 'schedule.view', 'schedule.capacity_view');
	const day = isoDay.parse(input.day);
	return db
		.select()
		.from(capacityLimits)
		.where(sql`${capacityLimits.day} is null or ${capacityLimits.day} = ${day}`)
		.orderBy(asc(capacityLimits.scopeKey), asc(capacityLimits.day));
}

const optionalCount = (max: number, what: string) =>
	z.preprocess(
		(value) => (value === '' || value === undefined || value === null ? null : typeof value === 'string' ? Number(value) : value),
		z
			.number({ error: `Enter the ${what} as a whole number.` })
			.int(`Enter the ${what} as a whole number.`)
			.min(0, `The ${what} cannot be negative.`)
			.max(max, `The ${what} can be at most ${max}.`)
			.nullable()
	);

/** A threshold as staff set it (form or JSON). Empty fields mean "no limit of that kind". */
export const capacityLimitSchema = z
	.object({
		scope: z.enum(capacityScopes, { error: 'Choose the clinic, a location or a provider.' }),
		targetId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().uuid('Choose a location or provider.').nullable()),
		day: z.preprocess((v) => (v === '' || v === undefined ? null : v), isoDay.nullable()),
		maxAppointments: optionalCount(1000, 'number of visits'),
		maxBookedMinutes: optionalCount(100_000, 'number of booked minutes'),
		warnAtPercent: z.preprocess(
			(v) => (v === '' || v === undefined || v === null ? 80 : typeof v === 'string' ? Number(v) : v),
			z.number({ error: 'Enter the warning level as a percentage.' }).int('Enter the warning level as a whole percentage.').min(1, 'Warn at 1% or more.').max(100, 'Warn at 100% or less.')
		)
	})
	.refine((v) => v.maxAppointments !== null || v.maxBookedMinutes !== null, { message: 'Set a number of visits, of booked minutes, or both.', path: ['maxAppointments'] })
	.refine((v) => v.scope === 'clinic' || v.targetId !== null, { message: 'Choose a location or provider.', path: ['targetId'] });
export type CapacityLimitInput = z.infer<typeof capacityLimitSchema>;

async function resolveTarget(db: Database, scope: CapacityScope, targetId: string | null): Promise<{ locationId: string | null; practitionerId: string | null }> {
	if (scope === 'clinic') return { locationId: null, practitionerId: null };
	if (scope === 'location') {
		const [row] = await db.select({ id: locations.id }).from(locations).where(eq(locations.id, targetId!));
		if (!row) throw new NotFound('No location with that id.');
		return { locationId: row.id, practitionerId: null };
	}
	const [row] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, targetId!));
	if (!row) throw new NotFound('No provider with that id.');
	return { locationId: null, practitionerId: row.id };
}

const dayCondition = (day: string | null) => (day === null ? isNull(capacityLimits.day) : eq(capacityLimits.day, day));

/**
 * Sets a standing threshold (day null) or one for a single day, replacing what that scope had
 * for it. Takes effect for the next booking; staff are alerted at once if the day is now near
 * or over.
 */
export async function setCapacityLimit(db: Database, actor: Actor, input: CapacityLimitInput, now = new Date()): Promise<CapacityLimit> {
	await requireScheduling(db, actor, 'schedule.manage', 'schedule.capacity_change');
	const value = capacityLimitSchema.parse(input);
	const target = await resolveTarget(db, value.scope, value.targetId);
	const scopeKey = scopeKeyOf(value.scope, value.targetId);
	const saved = await db.transaction(async (tx) => {
		await tx.delete(capacityLimits).where(and(eq(capacityLimits.scopeKey, scopeKey), dayCondition(value.day)));
		const [row] = await tx
			.insert(capacityLimits)
			.values({
				scope: value.scope,
				scopeKey,
				...target,
				day: value.day,
				maxAppointments: value.maxAppointments,
				maxBookedMinutes: value.maxBookedMinutes,
				warnAtPercent: value.warnAtPercent,
				updatedByUserId: actor.userId
			})
			.returning();
		await recordAuditEvent(tx as unknown as Database, actor, {
			action: 'schedule.capacity_change',
			outcome: 'success',
			resourceType: 'capacity_limit',
			resourceId: row!.id,
			reason: `set ${scopeKey} ${value.day ?? 'standing'}: visits ${value.maxAppointments ?? '-'}, minutes ${value.maxBookedMinutes ?? '-'}, warn ${value.warnAtPercent}%`
		});
		return row!;
	});
	await afterLimitChange(db, target, value.day, now);
	return saved;
}

/** Removes a standing threshold or a day's own (the standing one applies again). True when one was removed. */
export async function clearCapacityLimit(db: Database, actor: Actor, input: { scope: CapacityScope; targetId: string | null; day: string | null }, now = new Date()): Promise<boolean> {
	await requireScheduling(db, actor, 'schedule.manage', 'schedule.capacity_change');
	if (!capacityScopes.includes(input.scope)) throw new NotFound('No such threshold.');
	const day = input.day === null ? null : isoDay.parse(input.day);
	if (input.scope !== 'clinic' && !(input.targetId && z.string().uuid().safeParse(input.targetId).success)) throw new NotFound('No such threshold.');
	const scopeKey = scopeKeyOf(input.scope, input.targetId);
	const removed = await db.transaction(async (tx) => {
		const rows = await tx.delete(capacityLimits).where(and(eq(capacityLimits.scopeKey, scopeKey), dayCondition(day))).returning({ id: capacityLimits.id });
		if (rows.length > 0) {
			await recordAuditEvent(tx as unknown as Database, actor, {
				action: 'schedule.capacity_change',
				outcome: 'success',
				resourceType: 'capacity_limit',
				resourceId: rows[0]!.id,
				reason: `cleared ${scopeKey} ${day ?? 'standing'}`
			});
		}
		return rows.length > 0;
	});
	if (removed) {
		const target = input.scope === 'location' ? { locationId: input.targetId, practitionerId: null } : input.scope === 'practitioner' ? { locationId: null, practitionerId: input.targetId } : { locationId: null, practitionerId: null };
		await afterLimitChange(db, target, day, now);
	}
	return removed;
}

/**
 * Open dashboards and calendars reload; a tighter limit may put the day near or over at once.
 * A standing change names no day (it affects every day without its own threshold).
 */
async function afterLimitChange(db: Database, target: { locationId: string | null; practitionerId: string | null }, day: string | null, now: Date): Promise<void> {
	publishScheduleChange({ kind: 'capacity', appointmentId: null, practitionerIds: target.practitionerId ? [target.practitionerId] : [], days: day ? [day] : [] });
	await alertOnCapacity(db, {
		practitionerIds: target.practitionerId ? [target.practitionerId] : [],
		locationIds: target.locationId ? [target.locationId] : [],
		days: [day ?? (await clinicToday(db, now))]
	});
}
