import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { clinicTimeZone } from './settings';
import type { Database } from '../../../../db/client';
import { appointments, appointmentTypes, locations, practitioners } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';

/**
 * Scheduling analytics for clinic administrators: counts and rates over a date range, never a
 * patient. Everything is counted by the database (grouped queries); the module only rolls the
 * groups up. Days, weeks, weekdays and hours are the clinic's local ones.
 *
 * Definitions (the page explains them in the same words):
 *  - booked: every appointment whose start falls in the period, cancelled ones included
 *  - attended: checked in or completed; settled: attended or no-show (the visit's time has come)
 *  - no-show rate: no-shows ÷ settled; attendance rate: attended ÷ settled
 *  - confirmation rate: confirmed in advance ÷ appointments not cancelled
 *  - cancellation rate: cancelled ÷ booked
 *  - with a reminder: at least one reminder was handed to the outbox for the visit
 */

export type Granularity = 'week' | 'month';

export interface AnalyticsFilter {
	/** Start (inclusive) and end (exclusive) of the range of visit start times. */
	from: Date;
	to: Date;
	practitionerId?: string | null;
	locationId?: string | null;
	appointmentTypeId?: string | null;
	granularity?: Granularity;
}

export interface Counts {
	booked: number;
	attended: number;
	completed: number;
	noShows: number;
	cancelled: number;
	confirmed: number;
}

export interface Rates {
	noShowRate: number | null;
	attendanceRate: number | null;
	confirmationRate: number | null;
	cancellationRate: number | null;
}

export type CountsAndRates = Counts & Rates;

export interface ScheduleAnalytics {
	timeZone: string;
	granularity: Granularity;
	totals: CountsAndRates;
	/** One entry per week or month of the range (periods without visits included), oldest first. */
	volumes: (CountsAndRates & { period: string })[];
	reminders: { withReminder: ReminderGroup; withoutReminder: ReminderGroup };
	/** ISO weekday 1 (Monday) … 7. */
	byWeekday: (HourOrDay & { weekday: number })[];
	/** Local hour 0 … 23, only hours with visits. */
	byHour: (HourOrDay & { hour: number })[];
}

export interface ReminderGroup {
	settled: number;
	attended: number;
	attendanceRate: number | null;
}

export interface HourOrDay {
	booked: number;
	settled: number;
	noShows: number;
	noShowRate: number | null;
}

export interface MonthlyReportRow extends CountsAndRates {
	/** 'YYYY-MM' */
	month: string;
	busiestProvider: { id: string; name: string; visits: number } | null;
}

const emptyCounts = (): Counts => ({ booked: 0, attended: 0, completed: 0, noShows: 0, cancelled: 0, confirmed: 0 });
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function withRates(counts: Counts): CountsAndRates {
	const settled = counts.attended + counts.noShows;
	return {
		...counts,
		noShowRate: ratio(counts.noShows, settled),
		attendanceRate: ratio(counts.attended, settled),
		confirmationRate: ratio(counts.confirmed, counts.booked - counts.cancelled),
		cancellationRate: ratio(counts.cancelled, counts.booked)
	};
}

/** Refuses (and audits the refusal) unless the actor's role may see scheduling analytics. */
async function requireAnalytics(db: Database, actor: Actor, resourceType: string): Promise<void> {
	try {
		requirePermission(actor, 'schedule.analytics');
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action: 'schedule.analytics_view', outcome: 'denied', resourceType, reason: `role ${actor.role}` });
		throw error;
	}
}


function conditions(filter: AnalyticsFilter): SQL {
	const parts: SQL[] = [gte(appointments.startsAt, filter.from), lt(appointments.startsAt, filter.to)];
	if (filter.practitionerId) parts.push(eq(appointments.practitionerId, filter.practitionerId));
	if (filter.locationId) parts.push(eq(appointments.locationId, filter.locationId));
	if (filter.appointmentTypeId) parts.push(eq(appointments.appointmentTypeId, filter.appointmentTypeId));
	return and(...parts)!;
}

function describeFilter(filter: AnalyticsFilter): string {
	const parts = [`range ${filter.from.toISOString()}..${filter.to.toISOString()}`];
	if (filter.practitionerId) parts.push(`practitioner ${filter.practitionerId}`);
	if (filter.locationId) parts.push(`location ${filter.locationId}`);
	if (filter.appointmentTypeId) parts.push(`type ${filter.appointmentTypeId}`);
	return parts.join('; ');
}

/** The period (week starting Monday, or month) a local date-time falls in, as 'YYYY-MM-DD'. */
function periodsOf(from: Date, to: Date, zone: string, granularity: Granularity): string[] {
	const out: string[] = [];
	const last = DateTime.fromMillis(to.getTime() - 1, { zone });
	for (let at = DateTime.fromJSDate(from, { zone }).startOf(granularity); at <= last; at = at.plus(granularity === 'week' ? { weeks: 1 } : { months: 1 })) {
		out.push(at.toISODate()!);
	}
	return out;
}

export async function scheduleAnalytics(db: Database, actor: Actor, filter: AnalyticsFilter): Promise<ScheduleAnalytics> {
	await requireAnalytics(db, actor, 'schedule_analytics');
	const granularity = filter.granularity ?? 'month';
	const zone = await clinicTimeZone(db);
	const local = sql`(${appointments.startsAt} at time zone ${zone})`;
	const period = sql<string>`to_char(date_trunc(${granularity}, ${local}), 'YYYY-MM-DD')`;
	const weekday = sql<number>`extract(isodow from ${local})::int`;
	const hour = sql<number>`extract(hour from ${local})::int`;
	const reminded = sql<boolean>`exists (select 1 from appointment_reminders r where r.appointment_id = "appointments"."id" and r.status = 'queued')`;
	const confirmed = sql<boolean>`(${appointments.confirmedAt} is not null or ${appointments.reminderResponse} = 'confirmed')`;
	// One grouped count: every combination the charts need, rolled up below.
	const groups = await db
		.select({
			period,
			weekday,
			hour,
			reminded,
			confirmed,
			status: appointments.status,
			count: sql<number>`count(*)::int`
		})
		.from(appointments)
		.where(conditions(filter))
		.groupBy(sql`1, 2, 3, 4, 5, 6`);

	const totals = emptyCounts();
	const byPeriod = new Map<string, Counts>(periodsOf(filter.from, filter.to, zone, granularity).map((p) => [p, emptyCounts()]));
	const byWeekday = new Map<number, HourOrDay>();
	const byHour = new Map<number, HourOrDay>();
	const reminders = { withReminder: { settled: 0, attended: 0 }, withoutReminder: { settled: 0, attended: 0 } };
	for (const group of groups) {
		const count = Number(group.count);
		const attended = group.status === 'completed' || group.status === 'checked_in';
		const noShow = group.status === 'no_show';
		const add = (counts: Counts) => {
			counts.booked += count;
			if (attended) counts.attended += count;
			if (group.status === 'completed') counts.completed += count;
			if (noShow) counts.noShows += count;
			if (group.status === 'cancelled') counts.cancelled += count;
			else if (group.confirmed) counts.confirmed += count;
		};
		add(totals);
		const periodCounts = byPeriod.get(group.period) ?? emptyCounts();
		add(periodCounts);
		byPeriod.set(group.period, periodCounts);
		const addSlot = (map: Map<number, HourOrDay>, key: number) => {
			const entry = map.get(key) ?? { booked: 0, settled: 0, noShows: 0, noShowRate: null };
			entry.booked += count;
			if (attended || noShow) entry.settled += count;
			if (noShow) entry.noShows += count;
			map.set(key, entry);
		};
		addSlot(byWeekday, Number(group.weekday));
		addSlot(byHour, Number(group.hour));
		if (attended || noShow) {
			const bucket = group.reminded ? reminders.withReminder : reminders.withoutReminder;
			bucket.settled += count;
			if (attended) bucket.attended += count;
		}
	}
	const finish = <T extends HourOrDay>(entry: T): T => ({ ...entry, noShowRate: ratio(entry.noShows, entry.settled) });
	await recordAuditEvent(db, actor, { action: 'schedule.analytics_view', outcome: 'success', resourceType: 'schedule_analytics', reason: `${describeFilter(filter)}; by ${granularity}` });
	return {
		timeZone: zone,
		granularity,
		totals: withRates(totals),
		volumes: [...byPeriod.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, counts]) => ({ period: p, ...withRates(counts) })),
		reminders: {
			withReminder: { ...reminders.withReminder, attendanceRate: ratio(reminders.withReminder.attended, reminders.withReminder.settled) },
			withoutReminder: { ...reminders.withoutReminder, attendanceRate: ratio(reminders.withoutReminder.attended, reminders.withoutReminder.settled) }
		},
		byWeekday: Array.from({ length: 7 }, (_, i) => ({ weekday: i + 1, ...finish(byWeekday.get(i + 1) ?? { booked: 0, settled: 0, noShows: 0, noShowRate: null }) })),
		byHour: [...byHour.entries()].sort(([a], [b]) => a - b).map(([h, entry]) => ({ hour: h, ...finish(entry) }))
	};
}

/** Per month of the range: booked, completed, no-shows, cancellations, the rates and the busiest provider. */
export async function monthlyReport(db: Database, actor: Actor, filter: AnalyticsFilter): Promise<MonthlyReportRow[]> {
	await requireAnalytics(db, actor, 'schedule_monthly_report');
	const zone = await clinicTimeZone(db);
	const month = sql<string>`to_char(${appointments.startsAt} at time zone ${zone}, 'YYYY-MM')`;
	const rows = await db
		.select({
			month,
			booked: sql<number>`count(*)::int`,
			attended: sql<number>`count(*) filter (where ${appointments.status} in ('completed', 'checked_in'))::int`,
			completed: sql<number>`count(*) filter (where ${appointments.status} = 'completed')::int`,
			noShows: sql<number>`count(*) filter (where ${appointments.status} = 'no_show')::int`,
			cancelled: sql<number>`count(*) filter (where ${appointments.status} = 'cancelled')::int`,
			confirmed: sql<number>`count(*) filter (where ${appointments.status} <> 'cancelled' and (${appointments.confirmedAt} is not null or ${appointments.reminderResponse} = 'confirmed'))::int`
		})
		.from(appointments)
		.where(conditions(filter))
		.groupBy(sql`1`)
		.orderBy(sql`1`);
	// The provider with the most visits that kept their time, per month (ties: the name first in the alphabet).
	const providerRows = await db
		.select({
			month,
			practitionerId: appointments.practitionerId,
			givenName: practitioners.givenName,
			familyName: practitioners.familyName,
			credentials: practitioners.credentials,
			visits: sql<number>`count(*)::int`
		})
		.from(appointments)
		.innerJoin(practitioners, eq(practitioners.id, appointments.practitionerId))
		.where(and(conditions(filter), sql`${appointments.status} <> 'cancelled'`))
		.groupBy(sql`1`, appointments.practitionerId, practitioners.givenName, practitioners.familyName, practitioners.credentials)
		.orderBy(sql`1`, sql`count(*) desc`, asc(practitioners.familyName), asc(practitioners.givenName));
	const busiest = new Map<string, MonthlyReportRow['busiestProvider']>();
	for (const row of providerRows) {
		if (!busiest.has(row.month)) busiest.set(row.month, { id: row.practitionerId, name: providerName(row), visits: Number(row.visits) });
	}
	await recordAuditEvent(db, actor, { action: 'schedule.analytics_view', outcome: 'success', resourceType: 'schedule_monthly_report', reason: describeFilter(filter) });
	return rows.map((row) => ({
		month: row.month,
		...withRates({
			booked: Number(row.booked),
			attended: Number(row.attended),
			completed: Number(row.completed),
			noShows: Number(row.noShows),
			cancelled: Number(row.cancelled),
			confirmed: Number(row.confirmed)
		}),
		busiestProvider: busiest.get(row.month) ?? null
	}));
}

export function providerName(p: { givenName: string; familyName: string; credentials: string }): string {
	return `${p.givenName} ${p.familyName}${p.credentials ? `, ${p.credentials}` : ''}`;
}

export interface AnalyticsFilterOptions {
	timeZone: string;
	practitioners: { id: string; name: string }[];
	locations: { id: string; name: string }[];
	appointmentTypes: { id: string; name: string }[];
}

/** The choices for the page's filters (staff and clinic names only). */
export async function analyticsFilterOptions(db: Database, actor: Actor): Promise<AnalyticsFilterOptions> {
	await requireAnalytics(db, actor, 'schedule_analytics');
	const [practitionerRows, locationRows, typeRows, timeZone] = await Promise.all([
		db
			.select({ id: practitioners.id, givenName: practitioners.givenName, familyName: practitioners.familyName, credentials: practitioners.credentials })
			.from(practitioners)
			.orderBy(asc(practitioners.familyName), asc(practitioners.givenName)),
		db.select({ id: locations.id, name: locations.name }).from(locations).orderBy(asc(locations.name)),
		db.select({ id: appointmentTypes.id, name: appointmentTypes.name }).from(appointmentTypes).orderBy(asc(appointmentTypes.name)),
		clinicTimeZone(db)
	]);
	return {
		timeZone,
		practitioners: practitionerRows.map((p) => ({ id: p.id, name: providerName(p) })),
		locations: locationRows,
		appointmentTypes: typeRows
	};
}
