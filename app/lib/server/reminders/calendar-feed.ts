import { randomBytes, createHash } from 'node:crypto';
import { and, asc, eq, gte, inArray, lte } from 'drizzle-orm';
import ical, { ICalEventStatus } from 'ical-generator';
import type { Database } from '../../../../db/client';
import { calendarFeeds, appointments, appointmentTypes, locations, patients, practitioners } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { roleMay } from '../access/policy';
import { recordAuditEvent } from '../audit/audit-log';
import { domainOfAddress } from '../mail/smtp-transport';
import { appointmentUid } from './appointment-ics';
import { linkOriginForMessages } from './appointment-context';
import { reminderContext } from './reminder-context';

/**
 * A provider's private iCalendar feed, for the calendar app on their phone. The URL carries a
 * random 256-bit token; the table keeps only its SHA-256, so a database copy cannot read anyone's
 * calendar. Issuing a new feed replaces (revokes) the old one.
 *
 * A calendar app fetches the feed with no session, and its copy leaves the clinic's control, so
 * it holds the least that still helps: the kind of visit and the patient's initials, the time and
 * the place — never names, reasons or notes. Each read is audited ('schedule.feed_read').
 */

export const feedPastDays = 30;
export const feedFutureDays = 180;

function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** The provider themself, or a clinic administrator / front desk (schedule.manage). */
function mayIssue(actor: Actor, practitionerId: string): boolean {
	return actor.practitionerId === practitionerId || roleMay(actor.role, 'schedule.manage');
}

export async function issueCalendarFeed(db: Database, actor: Actor, practitionerId: string): Promise<{ url: string }> {
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(practitionerId)) throw new NotFound('No provider with that id.');
	const [practitioner] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, practitionerId));
	if (!practitioner) throw new NotFound('No provider with that id.');
	if (!mayIssue(actor, practitionerId)) {
		await recordAuditEvent(db, actor, { action: 'schedule.feed_issue', outcome: 'denied', resourceType: 'calendar_feed', resourceId: practitionerId, reason: `role ${actor.role}` });
		throw new AccessDenied('Only the provider or the clinic’s schedulers can make a calendar feed for this calendar.');
	}
	const token = randomBytes(32).toString('base64url');
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await tx
			.insert(calendarFeeds)
			.values({ practitionerId, tokenHash: hashToken(token), createdByUserId: actor.userId })
			.onConflictDoUpdate({ target: calendarFeeds.practitionerId, set: { tokenHash: hashToken(token), createdByUserId: actor.userId, createdAt: new Date() } });
		await recordAuditEvent(tx, actor, { action: 'schedule.feed_issue', outcome: 'success', resourceType: 'calendar_feed', resourceId: practitionerId, reason: 'new feed; any earlier one revoked' });
	});
	return { url: `${linkOriginForMessages()}/api/schedule/feeds/${token}` };
}

export async function hasCalendarFeed(db: Database, practitionerId: string): Promise<boolean> {
	const rows = await db.select({ id: calendarFeeds.practitionerId }).from(calendarFeeds).where(eq(calendarFeeds.practitionerId, practitionerId));
	return rows.length > 0;
}

function initials(given: string, family: string): string {
	const first = (s: string) => Array.from(s.trim())[0]?.toUpperCase() ?? '';
	return `${first(given)}.${first(family)}.`;
}

/** The feed's .ics for a token, or null for an unknown (or revoked) token. */
export async function readCalendarFeed(db: Database, token: string, meta: { sourceAddress: string | null }, now = new Date()): Promise<string | null> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
	const [feed] = await db.select().from(calendarFeeds).where(eq(calendarFeeds.tokenHash, hashToken(token)));
	if (!feed) return null;
	const [practitioner] = await db.select().from(practitioners).where(eq(practitioners.id, feed.practitionerId));
	const rows = await db
		.select({
			id: appointments.id,
			version: appointments.version,
			startsAt: appointments.startsAt,
			endsAt: appointments.endsAt,
			status: appointments.status,
			modality: appointments.modality,
			typeName: appointmentTypes.name,
			givenName: patients.givenName,
			familyName: patients.familyName,
			locationName: locations.name
		})
		.from(appointments)
		.innerJoin(appointmentTypes, eq(appointmentTypes.id, appointments.appointmentTypeId))
		.innerJoin(patients, eq(patients.id, appointments.patientId))
		.leftJoin(locations, eq(locations.id, appointments.locationId))
		.where(
			and(
				eq(appointments.practitionerId, feed.practitionerId),
				gte(appointments.startsAt, new Date(now.getTime() - feedPastDays * 86_400_000)),
				lte(appointments.startsAt, new Date(now.getTime() + feedFutureDays * 86_400_000)),
				inArray(appointments.status, ['booked', 'confirmed', 'checked_in', 'completed', 'no_show'])
			)
		)
		.orderBy(asc(appointments.startsAt));
	const domain = domainOfAddress(reminderContext()?.mailFrom ?? 'no-reply@clinicsync.local');
	const calendar = ical({
		prodId: { company: 'ClinicSync', product: 'Provider calendar', language: 'EN' },
		name: practitioner ? `ClinicSync: ${practitioner.givenName} ${practitioner.familyName}` : 'ClinicSync',
		ttl: 15 * 60
	});
	for (const row of rows) {
		calendar.createEvent({
			id: appointmentUid(row.id, domain),
			sequence: row.version,
			start: row.startsAt,
			end: row.endsAt,
			stamp: now,
			summary: `${row.typeName} · ${initials(row.givenName, row.familyName)}`,
			location: row.modality === 'telehealth' ? 'Video visit' : (row.locationName ?? ''),
			status: row.status === 'booked' ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED
		});
	}
	await recordAuditEvent(db, { sourceAddress: meta.sourceAddress }, {
		action: 'schedule.feed_read',
		outcome: 'success',
		resourceType: 'calendar_feed',
		resourceId: feed.practitionerId,
		reason: `${rows.length} appointments`
	});
	return calendar.toString();
}
