/**
 * Booking (FHIR's `$book`), rescheduling, cancelling, confirming and attendance. Every function
 * authorizes through access/schedule-access.ts, changes the appointment, audits, and plans
 * reminders and notices in one transaction; after the commit it publishes a ScheduleChange for
 * open calendars and lets capacity alert staff.
 *
 * No double booking is the database's job: the exclusion constraint refuses an overlapping range
 * of one provider (SQLSTATE 23P01), which becomes a 'slot_taken' refusal with the nearest free
 * times. The code checks working hours and blocks before that; it does not pre-check busy time
 * (a race would slip past a pre-check anyway).
 *
 * Staff may book any free time inside the provider's working hours (not only on the slot grid);
 * portal users only slots on the grid, with the minimum notice and inside the booking horizon.
 * Nobody books outside working hours or over a block through this module: to see someone out of
 * hours, staff add extra hours (availability.ts) first, so a calendar never holds a visit its
 * hours do not explain, and capacity and slot search stay truthful.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointments, locations, practitioners, urgencyLevels, type Appointment, type AppointmentStatus, type AppointmentType, type Urgency } from '../../../../db/schema/index';
import { isPortalUser } from '../access/actor';
import { NotFound } from '../access/errors';
import {
	actorUserId,
	auditSubjectOf,
	authorizeAppointment,
	authorizeSchedulingFor,
	isReminderLinkActor,
	type ReminderLinkActor,
	type SchedulingActor
} from '../access/schedule-access';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import { getRuntime, hasRuntime } from '../platform/runtime';
import { cancelReminders, planReminders } from '../reminders/reminder-planner';
import { enqueueAppointmentNotice } from '../reminders/appointment-notices';
import { getAppointmentType, isUuid } from './appointment-types';
import { alertOnCapacity, checkCapacity } from './capacity';
import { exclusionViolation, retryOnDeadlock, SchedulingRefusal, sqlStateOf } from './errors';
import { publishScheduleChange } from './schedule-changes';
import { checkFit } from './slot-engine';
import { loadAvailability, nearestAlternatives } from './slots';
import { clinicTimeZone, getSchedulingSettings } from './settings';
import { clinicDayOf, toInstant } from './time';

export type { SchedulingActor, ReminderLinkActor, Appointment };

export interface BookingInput {
	patientId: string;
	appointmentTypeId: string;
	practitionerId: string;
	/** Required when the provider works at more than one place at that time; else taken from the hours. */
	locationId?: string | null;
	startsAt: Date | string;
	reason?: string;
	notes?: string;
	urgency?: Urgency;
}

/** Staff may start a walk-in this long after its nominal start (a visit "now"). */
const pastGraceMs = 15 * 60_000;
const maxTextLength = 2000;

const takenMessage = 'That time was just taken by someone else. Here are the nearest free times.';
const capacityMessage = (reason: string) => `${reason.replace(/\.?$/, '.')} Here are the nearest times within capacity.`;

function isPortal(actor: SchedulingActor): boolean {
	return isReminderLinkActor(actor) || isPortalUser(actor);
}

export async function bookAppointment(db: Database, actor: SchedulingActor, input: BookingInput): Promise<Appointment> {
	const startsAt = toInstant(input.startsAt);
	if (!startsAt) throw new SchedulingRefusal('invalid', 'Choose a valid date and time.');
	if (!isUuid(input.patientId)) throw new NotFound('No patient with that id.');
	if (!isUuid(input.practitionerId)) throw new SchedulingRefusal('invalid', 'Choose a provider.');
	if (input.locationId && !isUuid(input.locationId)) throw new SchedulingRefusal('invalid', 'Choose a location.');
	const urgency = input.urgency ?? 'routine';
	if (!urgencyLevels.includes(urgency)) throw new SchedulingRefusal('invalid', 'Choose routine, soon or urgent.');
	const reason = (input.reason ?? '').trim();
	const notes = (input.notes ?? '').trim();
	if (reason.length > maxTextLength || notes.length > maxTextLength) throw new SchedulingRefusal('invalid', `Keep the reason and notes under ${maxTextLength} characters.`);
	if (isReminderLinkActor(actor)) throw new SchedulingRefusal('invalid', 'A reminder link cannot book a new appointment.');

	// Access outside the transaction, so a refusal's audit event is kept; the type loads meanwhile.
	const portal = isPortal(actor);
	const [, type] = await Promise.all([
		authorizeSchedulingFor(db, actor, input.patientId, { action: 'appointment.book', auditSuccess: false }),
		bookableType(db, input.appointmentTypeId, portal)
	]);
	const placed = await placeVisit(db, { type, practitionerId: input.practitionerId, locationId: input.locationId ?? null, startsAt, portal });

	let appointment: Appointment;
	try {
		appointment = await retryOnDeadlock(() => db.transaction(async (tx) => {
			const capacity = await checkCapacity(tx, { practitionerId: input.practitionerId, locationId: placed.locationId, startsAt, bookedMinutes: type.durationMinutes });
			if (!capacity.allowed) throw new SchedulingRefusal('over_capacity', capacityMessage(capacity.reason));
			const [row] = await tx
				.insert(appointments)
				.values({
					patientId: input.patientId,
					practitionerId: input.practitionerId,
					locationId: placed.locationId,
					appointmentTypeId: type.id,
					modality: type.modality,
					startsAt,
					endsAt: placed.endsAt,
					occupiedUntil: placed.occupiedUntil,
					urgency,
					reason,
					notes: portal ? '' : notes,
					bookedByUserId: actorUserId(actor),
					bookedVia: portal ? 'portal' : 'staff'
				})
				.returning();
			await recordAuditEvent(tx, auditSubjectOf(actor), {
				action: 'appointment.book',
				outcome: 'success',
				patientId: input.patientId,
				resourceType: 'appointment',
				resourceId: row!.id,
				reason: `${portal ? 'portal' : 'staff'} booking; type ${type.id}`
			});
			await planReminders(tx, row!.id);
			await enqueueAppointmentNotice(tx, row!.id, 'booked');
			return row!;
		}));
	} catch (error) {
		throw await withAlternatives(db, error, type, { practitionerId: input.practitionerId, startsAt, portal });
	}
	await afterChange(db, 'booked', appointment, []);
	return appointment;
}

export interface RescheduleInput {
	appointmentId: string;
	startsAt: Date | string;
	practitionerId?: string;
	locationId?: string | null;
	/** The version the person saw; a newer one means someone else changed it first ('stale'). */
	expectedVersion?: number;
}

export async function rescheduleAppointment(db: Database, actor: SchedulingActor, input: RescheduleInput): Promise<Appointment> {
	const startsAt = toInstant(input.startsAt);
	if (!startsAt) throw new SchedulingRefusal('invalid', 'Choose a valid date and time.');
	if (input.practitionerId !== undefined && !isUuid(input.practitionerId)) throw new SchedulingRefusal('invalid', 'Choose a provider.');
	if (input.locationId && !isUuid(input.locationId)) throw new SchedulingRefusal('invalid', 'Choose a location.');
	const current = await authorizeAppointment(db, actor, input.appointmentId, { action: 'appointment.reschedule', auditSuccess: false });
	assertVersion(current, input.expectedVersion);
	if (current.status !== 'booked' && current.status !== 'confirmed') throw statusRefusal(current.status, 'moved');
	const portal = isPortal(actor);
	if (portal) assertNotStarted(current, 'moved');
	// Portal users move a visit with the same provider type; the type must still be bookable by them.
	const type = await bookableType(db, current.appointmentTypeId, portal, true);
	const practitionerId = input.practitionerId ?? current.practitionerId;
	// No location given: the one whose hours hold the new time.
	const locationId = input.locationId ?? null;
	const placed = await placeVisit(db, { type, practitionerId, locationId, startsAt, portal });

	let moved: Appointment;
	try {
		moved = await retryOnDeadlock(() => db.transaction(async (tx) => {
			const capacity = await checkCapacity(tx, { practitionerId, locationId: placed.locationId, startsAt, bookedMinutes: type.durationMinutes, excludeAppointmentId: current.id });
			if (!capacity.allowed) throw new SchedulingRefusal('over_capacity', capacityMessage(capacity.reason));
			const [row] = await tx
				.update(appointments)
				.set({
					practitionerId,
					locationId: placed.locationId,
					startsAt,
					endsAt: placed.endsAt,
					occupiedUntil: placed.occupiedUntil,
					status: 'booked',
					confirmedAt: null,
					version: sql`${appointments.version} + 1`,
					rescheduleCount: sql`${appointments.rescheduleCount} + 1`,
					updatedAt: new Date()
				})
				.where(and(eq(appointments.id, current.id), eq(appointments.version, current.version), inArray(appointments.status, ['booked', 'confirmed'])))
				.returning();
			if (!row) throw staleRefusal();
			await recordAuditEvent(tx, auditSubjectOf(actor), {
				action: 'appointment.reschedule',
				outcome: 'success',
				patientId: current.patientId,
				resourceType: 'appointment',
				resourceId: current.id,
				reason: `from ${current.startsAt.toISOString()} to ${startsAt.toISOString()}${practitionerId !== current.practitionerId ? '; provider changed' : ''}${viaLink(actor)}`
			});
			await planReminders(tx, row.id);
			await enqueueAppointmentNotice(tx, row.id, 'rescheduled');
			return row;
		}));
	} catch (error) {
		throw await withAlternatives(db, error, type, { practitionerId, startsAt, portal });
	}
	await afterChange(db, 'rescheduled', moved, [current]);
	return moved;
}

export async function cancelAppointment(db: Database, actor: SchedulingActor, input: { appointmentId: string; reason?: string; expectedVersion?: number }): Promise<Appointment> {
	const current = await authorizeAppointment(db, actor, input.appointmentId, { action: 'appointment.cancel', auditSuccess: false });
	assertVersion(current, input.expectedVersion);
	if (current.status === 'cancelled') return current;
	if (current.status !== 'booked' && current.status !== 'confirmed') throw statusRefusal(current.status, 'cancelled');
	if (isPortal(actor)) assertNotStarted(current, 'cancelled');
	const reason = (input.reason ?? '').trim().slice(0, maxTextLength);
	const cancelled = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(appointments)
			.set({
				status: 'cancelled',
				cancelledAt: new Date(),
				cancelledByUserId: actorUserId(actor),
				cancellationReason: reason || null,
				...(isReminderLinkActor(actor) ? { reminderResponse: 'cancelled' as const, reminderRespondedAt: new Date() } : {}),
				version: sql`${appointments.version} + 1`,
				updatedAt: new Date()
			})
			.where(and(eq(appointments.id, current.id), eq(appointments.version, current.version)))
			.returning();
		if (!row) throw staleRefusal();
		await recordAuditEvent(tx, auditSubjectOf(actor), {
			action: 'appointment.cancel',
			outcome: 'success',
			patientId: current.patientId,
			resourceType: 'appointment',
			resourceId: current.id,
			reason: `${isPortal(actor) ? 'by the patient side' : 'by staff'}${viaLink(actor)}`
		});
		await cancelReminders(tx, row.id);
		await enqueueAppointmentNotice(tx, row.id, 'cancelled');
		return row;
	});
	await afterChange(db, 'cancelled', cancelled, []);
	return cancelled;
}

export async function confirmAppointment(db: Database, actor: SchedulingActor, input: { appointmentId: string }): Promise<Appointment> {
	const current = await authorizeAppointment(db, actor, input.appointmentId, { action: 'appointment.confirm', auditSuccess: false });
	if (current.status === 'confirmed' && !isReminderLinkActor(actor)) return current;
	if (current.status !== 'booked' && current.status !== 'confirmed') throw statusRefusal(current.status, 'confirmed');
	const now = new Date();
	const confirmed = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(appointments)
			.set({
				status: 'confirmed',
				confirmedAt: current.confirmedAt ?? now,
				...(isReminderLinkActor(actor) ? { reminderResponse: 'confirmed' as const, reminderRespondedAt: now } : {}),
				version: sql`${appointments.version} + 1`,
				updatedAt: now
			})
			.where(and(eq(appointments.id, current.id), inArray(appointments.status, ['booked', 'confirmed'])))
			.returning();
		if (!row) throw staleRefusal();
		await recordAuditEvent(tx, auditSubjectOf(actor), {
			action: 'appointment.confirm',
			outcome: 'success',
			patientId: current.patientId,
			resourceType: 'appointment',
			resourceId: current.id,
			reason: isPortal(actor) ? `by the patient side${viaLink(actor)}` : 'by staff'
		});
		return row;
	});
	await afterChange(db, 'status', confirmed, []);
	return confirmed;
}

export type AttendanceStatus = 'checked_in' | 'completed' | 'no_show';

const attendanceFrom: Record<AttendanceStatus, readonly AppointmentStatus[]> = {
	checked_in: ['booked', 'confirmed'],
	// Telehealth visits often skip check-in.
	completed: ['booked', 'confirmed', 'checked_in'],
	no_show: ['booked', 'confirmed']
};

const attendanceAction = { checked_in: 'appointment.check_in', completed: 'appointment.complete', no_show: 'appointment.no_show' } as const;

/** Check-in, completed, no-show: staff only. Repeating the current status changes nothing. */
export async function recordAttendance(db: Database, actor: SchedulingActor, input: { appointmentId: string; status: AttendanceStatus }): Promise<Appointment> {
	if (!(input.status in attendanceFrom)) throw new SchedulingRefusal('invalid', 'Choose checked in, completed or no-show.');
	const current = await authorizeAppointment(db, actor, input.appointmentId, { action: attendanceAction[input.status], auditSuccess: false });
	if (current.status === input.status) return current;
	if (!attendanceFrom[input.status].includes(current.status)) throw statusRefusal(current.status, statusWords[input.status]);
	const now = new Date();
	if (input.status === 'no_show' && current.startsAt.getTime() > now.getTime()) {
		throw new SchedulingRefusal('not_allowed_status', 'A visit can be marked as a no-show only after its start time.');
	}
	const stamp = input.status === 'checked_in' ? { checkedInAt: now } : input.status === 'completed' ? { completedAt: now } : { noShowAt: now };
	const updated = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(appointments)
			.set({ status: input.status, ...stamp, version: sql`${appointments.version} + 1`, updatedAt: now })
			.where(and(eq(appointments.id, current.id), inArray(appointments.status, [...attendanceFrom[input.status]])))
			.returning();
		if (!row) throw staleRefusal();
		await recordAuditEvent(tx, auditSubjectOf(actor), {
			action: attendanceAction[input.status],
			outcome: 'success',
			patientId: current.patientId,
			resourceType: 'appointment',
			resourceId: current.id,
			reason: `from ${current.status}`
		});
		// No reminders for a visit that has happened (or was missed).
		await cancelReminders(tx, row.id);
		return row;
	});
	await afterChange(db, 'status', updated, []);
	return updated;
}

/**
 * Marks an appointment for staff attention (no answer to a reminder by the deadline, a
 * reschedule request…). `subject` is a staff actor, or null / an audit subject for the system
 * (the reminder worker). Staff actors are authorized; the system is trusted.
 */
export async function flagAppointment(db: Database, subject: SchedulingActor | AuditSubject | null, input: { appointmentId: string; reason: string }): Promise<void> {
	const reason = input.reason.trim().slice(0, 500);
	if (!reason) throw new SchedulingRefusal('invalid', 'Say why the appointment needs attention.');
	let current: Appointment;
	if (subject && ('kind' in subject || 'sessionId' in subject)) {
		current = await authorizeAppointment(db, subject as SchedulingActor, input.appointmentId, { action: 'appointment.flag', auditSuccess: false });
	} else {
		if (!isUuid(input.appointmentId)) throw new NotFound('No appointment with that id.');
		const [row] = await db.select().from(appointments).where(eq(appointments.id, input.appointmentId));
		if (!row) throw new NotFound('No appointment with that id.');
		current = row;
	}
	const auditSubject = subject && 'kind' in subject ? auditSubjectOf(subject as SchedulingActor) : (subject as AuditSubject | null);
	const flagged = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(appointments)
			.set({ flaggedAt: new Date(), flagReason: reason, updatedAt: new Date() })
			.where(eq(appointments.id, current.id))
			.returning();
		await recordAuditEvent(tx, auditSubject, {
			action: 'appointment.flag',
			outcome: 'success',
			patientId: current.patientId,
			resourceType: 'appointment',
			resourceId: current.id,
			reason: subject ? 'by staff' : 'by the system'
		});
		return row!;
	});
	await afterChange(db, 'status', flagged, [], false);
}

/** Clears a flag once staff have looked. */
export async function clearAppointmentFlag(db: Database, actor: SchedulingActor, input: { appointmentId: string }): Promise<Appointment> {
	const current = await authorizeAppointment(db, actor, input.appointmentId, { action: 'appointment.flag', auditSuccess: false });
	if (isPortal(actor)) throw new SchedulingRefusal('not_allowed_status', 'Only the clinic can clear a flag.');
	const cleared = await db.transaction(async (tx) => {
		const [row] = await tx.update(appointments).set({ flaggedAt: null, flagReason: null, updatedAt: new Date() }).where(eq(appointments.id, current.id)).returning();
		await recordAuditEvent(tx, actor as AuditSubject, { action: 'appointment.flag', outcome: 'success', patientId: current.patientId, resourceType: 'appointment', resourceId: current.id, reason: 'flag cleared' });
		return row!;
	});
	await afterChange(db, 'status', cleared, [], false);
	return cleared;
}

// ——— helpers ———

async function bookableType(db: Database, appointmentTypeId: string, portal: boolean, existing = false): Promise<AppointmentType> {
	const type = await getAppointmentType(db, appointmentTypeId);
	if (!type) throw new SchedulingRefusal('invalid', 'Choose a kind of appointment.');
	// An inactive type may still be moved (the visit exists); it cannot be booked anew.
	if ((!type.active && !existing) || (portal && !type.portalBookable && !existing)) {
		throw new SchedulingRefusal('not_bookable', portal ? 'That kind of appointment is booked by the clinic; please call us.' : 'That kind of appointment is no longer offered.');
	}
	return type;
}

interface PlacedVisit {
	locationId: string;
	endsAt: Date;
	occupiedUntil: Date;
}

/**
 * Checks a visit's time against the clinic's rules (past, notice, horizon, working hours,
 * blocks, the grid for portal users) and finds its location. Busy time is the database's check.
 */
async function placeVisit(db: Database, input: { type: AppointmentType; practitionerId: string; locationId: string | null; startsAt: Date; portal: boolean }): Promise<PlacedVisit> {
	const { type, startsAt } = input;
	const now = Date.now();
	const held = (type.durationMinutes + type.bufferMinutes) * 60_000;
	const [[practitioner], location, settings, data] = await Promise.all([
		db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, input.practitionerId)),
		input.locationId ? db.select({ id: locations.id }).from(locations).where(eq(locations.id, input.locationId)) : Promise.resolve(null),
		getSchedulingSettings(db),
		loadAvailability(db, {
			practitionerIds: [input.practitionerId],
			from: new Date(startsAt.getTime() - 86_400_000),
			to: new Date(startsAt.getTime() + held + 86_400_000),
			withBusy: false
		})
	]);
	if (!practitioner) throw new SchedulingRefusal('invalid', 'Choose a provider.');
	if (location && location.length === 0) throw new SchedulingRefusal('invalid', 'Choose a location.');
	if (startsAt.getTime() < now - (input.portal ? 0 : pastGraceMs)) throw new SchedulingRefusal('in_past', 'That time has already passed. Choose a later time.');
	if (input.portal) {
		if (startsAt.getTime() < now + settings.minimumNoticeHours * 3_600_000) {
			throw new SchedulingRefusal('too_soon', `Online booking needs at least ${settings.minimumNoticeHours} hours' notice. Choose a later time, or call the clinic.`);
		}
		if (startsAt.getTime() > now + settings.bookingHorizonDays * 86_400_000) {
			throw new SchedulingRefusal('too_far', `Online booking is open up to ${settings.bookingHorizonDays} days ahead. Choose an earlier date.`);
		}
	}
	const fit = checkFit({
		practitionerId: input.practitionerId,
		locationId: input.locationId,
		start: startsAt.getTime(),
		durationMinutes: type.durationMinutes,
		bufferMinutes: type.bufferMinutes,
		modality: type.modality,
		stepMinutes: settings.slotStepMinutes,
		rules: data.rules,
		exceptions: data.exceptions
	});
	if (!fit.fits) {
		throw fit.reason === 'blocked'
			? new SchedulingRefusal('blocked', 'The provider is not available at that time. Choose another time.')
			: new SchedulingRefusal('outside_hours', `That time is outside the provider's hours for ${type.modality === 'telehealth' ? 'telehealth' : 'in-person'} visits. Choose another time.`);
	}
	if (input.portal && !fit.aligned) throw new SchedulingRefusal('outside_hours', 'Choose one of the offered times.');
	return { locationId: fit.interval.locationId, endsAt: new Date(startsAt.getTime() + type.durationMinutes * 60_000), occupiedUntil: new Date(startsAt.getTime() + held) };
}

/** Turns the exclusion constraint's refusal into 'slot_taken', and adds alternatives to taken / over-capacity refusals. */
async function withAlternatives(db: Database, error: unknown, type: AppointmentType, wanted: { practitionerId: string; startsAt: Date; portal: boolean }): Promise<unknown> {
	let refusal: SchedulingRefusal;
	if (error instanceof SchedulingRefusal) refusal = error;
	else if (sqlStateOf(error) === exclusionViolation) refusal = new SchedulingRefusal('slot_taken', takenMessage);
	else return error;
	if (refusal.code === 'slot_taken' || refusal.code === 'over_capacity') {
		try {
			refusal.alternatives = await nearestAlternatives(db, type, wanted);
		} catch (cause) {
			// Alternatives are a courtesy; the refusal stands without them.
			warn({ err: cause instanceof Error ? cause.message : String(cause) }, 'scheduling: alternatives could not be computed');
		}
	}
	return refusal;
}

function assertVersion(current: Appointment, expectedVersion: number | undefined): void {
	if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleRefusal();
}

/** The patient side cannot move or cancel a visit once it has started; staff can. */
function assertNotStarted(current: Appointment, wanted: string): void {
	if (current.startsAt.getTime() <= Date.now()) {
		throw new SchedulingRefusal('in_past', `This appointment has already started, so it cannot be ${wanted} online. Please call the clinic.`);
	}
}

function staleRefusal(): SchedulingRefusal {
	return new SchedulingRefusal('stale', 'Someone changed this appointment a moment ago. Look at it again and retry.');
}

const statusWords: Record<AppointmentStatus, string> = {
	booked: 'booked',
	confirmed: 'confirmed',
	checked_in: 'checked in',
	completed: 'completed',
	no_show: 'marked as a no-show',
	cancelled: 'cancelled'
};

function statusRefusal(status: AppointmentStatus, wanted: string): SchedulingRefusal {
	return new SchedulingRefusal('not_allowed_status', `This appointment is ${statusWords[status]}, so it cannot be ${wanted}.`);
}

function viaLink(actor: SchedulingActor): string {
	return isReminderLinkActor(actor) ? `; via reminder link ${actor.linkId}` : '';
}

/** After the commit: live calendars and capacity alerts. Neither may fail the change that happened. */
async function afterChange(db: Database, kind: 'booked' | 'rescheduled' | 'cancelled' | 'status', appointment: Appointment, before: Appointment[], alert = true): Promise<void> {
	try {
		const zone = await clinicTimeZone(db);
		const all = [appointment, ...before];
		const practitionerIds = [...new Set(all.map((a) => a.practitionerId))];
		const days = [...new Set(all.map((a) => clinicDayOf(a.startsAt, zone)))];
		publishScheduleChange({ kind, appointmentId: appointment.id, practitionerIds, days });
		if (alert) await alertOnCapacity(db, { practitionerIds, locationIds: [...new Set(all.map((a) => a.locationId))], days });
	} catch (cause) {
		warn({ err: cause instanceof Error ? cause.message : String(cause), appointmentId: appointment.id }, 'scheduling: after-commit work failed');
	}
}

/** Logs ids and error messages only (no PHI); silent outside the app (tests, scripts). */
function warn(fields: Record<string, unknown>, message: string): void {
	if (hasRuntime()) getRuntime().logger.warn(fields, message);
}
