/**
 * The access seam for appointments and calendars (issue 6). Appointments are patient data: every
 * read or change passes here, and every grant and refusal is audited.
 *
 *  - Staff need the role permission ('schedule.view' to read, 'schedule.book' to change) and a
 *    relationship with the patient through authorizePatient (demographics suffice: the front
 *    desk books anyone it can see).
 *  - Portal users act through authorizeAgent with the 'appointments' scope: the patient
 *    themself, or a proxy whose grant carries it. They may view, book, reschedule, cancel and
 *    confirm — never record attendance or flag.
 *  - A ReminderLinkActor (a signed, single-use link from a reminder, checked by the reminders
 *    module before it gets here) may do its one action on its one appointment.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointments, type Appointment, type AppointmentLinkAction } from '../../../../db/schema/index';
import { recordAuditEvent, type AuditAction, type AuditSubject } from '../audit/audit-log';
import { isPortalUser, isStaff, type Actor } from './actor';
import { AccessDenied, NotFound } from './errors';
import { authorizeAgent, authorizePatient } from './patient-access';
import { roleMay, type RolePermission } from './policy';

/** Someone following a signed link from a reminder: no account, one appointment, one action. */
export interface ReminderLinkActor {
	kind: 'reminder_link';
	linkId: string;
	appointmentId: string;
	patientId: string;
	action: AppointmentLinkAction;
	sourceAddress: string | null;
}

export type SchedulingActor = Actor | ReminderLinkActor;

export function isReminderLinkActor(actor: SchedulingActor): actor is ReminderLinkActor {
	return (actor as ReminderLinkActor).kind === 'reminder_link';
}

/** The audit subject of any scheduling actor (a link has no user). */
export function auditSubjectOf(actor: SchedulingActor): AuditSubject {
	if (isReminderLinkActor(actor)) return { sourceAddress: actor.sourceAddress };
	return actor;
}

/** Who is acting, for a staff-facing note: a user id, or the link. */
export function actorUserId(actor: SchedulingActor): string | null {
	return isReminderLinkActor(actor) ? null : actor.userId;
}

export type AppointmentAction = Extract<
	AuditAction,
	| 'appointment.view'
	| 'appointment.book'
	| 'appointment.reschedule'
	| 'appointment.cancel'
	| 'appointment.confirm'
	| 'appointment.check_in'
	| 'appointment.complete'
	| 'appointment.no_show'
	| 'appointment.flag'
>;

const portalActions: readonly AppointmentAction[] = ['appointment.view', 'appointment.book', 'appointment.reschedule', 'appointment.cancel', 'appointment.confirm'];

const linkActions: Record<AppointmentLinkAction, readonly AppointmentAction[]> = {
	confirm: ['appointment.confirm', 'appointment.view'],
	cancel: ['appointment.cancel', 'appointment.view'],
	reschedule: ['appointment.reschedule', 'appointment.view']
};

function staffPermissionFor(action: AppointmentAction): RolePermission {
	return action === 'appointment.view' ? 'schedule.view' : 'schedule.book';
}

/**
 * May this actor do `action` for this patient's appointments? Used for a new booking (no
 * appointment yet) and by authorizeAppointment. Audits the refusal always and the grant unless
 * `auditSuccess` is false (the caller writes its own, fuller event).
 */
export async function authorizeSchedulingFor(
	db: Database,
	actor: SchedulingActor,
	patientId: string,
	options: { action: AppointmentAction; appointmentId?: string; auditSuccess?: boolean }
): Promise<{ via: string }> {
	const resourceType = options.appointmentId ? 'appointment' : 'patient';
	const resourceId = options.appointmentId ?? patientId;
	const deny = async (reason: string, message: string): Promise<never> => {
		await recordAuditEvent(db, auditSubjectOf(actor), { action: options.action, outcome: 'denied', patientId, resourceType, resourceId, reason });
		throw new AccessDenied(message);
	};
	if (isReminderLinkActor(actor)) {
		if (actor.patientId !== patientId || !options.appointmentId || actor.appointmentId !== options.appointmentId) {
			return deny(`link ${actor.linkId} is for another appointment`, 'This link is for a different appointment.');
		}
		if (!linkActions[actor.action].includes(options.action)) return deny(`link ${actor.linkId} allows ${actor.action}`, 'This link cannot do that.');
		if (options.auditSuccess !== false) {
			await recordAuditEvent(db, auditSubjectOf(actor), { action: options.action, outcome: 'success', patientId, resourceType, resourceId, reason: `via reminder link ${actor.linkId}` });
		}
		return { via: `reminder link ${actor.linkId}` };
	}
	if (isPortalUser(actor)) {
		if (!portalActions.includes(options.action)) return deny('not a portal action', 'Only the clinic can do this.');
		const agency = await authorizeAgent(db, actor, patientId, { action: options.action, scope: 'appointments', resourceType, resourceId, auditSuccess: options.auditSuccess });
		return { via: agency.via };
	}
	if (!isStaff(actor) || !roleMay(actor.role, staffPermissionFor(options.action))) {
		return deny(`role ${actor.role}`, 'Your role does not allow this.');
	}
	// authorizePatient audits both the grant and the refusal.
	const access = await authorizePatient(db, actor, patientId, { action: options.action, resourceType, resourceId, require: ['demographics'] });
	return { via: access.via.join(', ') };
}

/**
 * Loads an appointment and checks the actor may do `action` on it. NotFound for an unknown id
 * (or one that is not a uuid). Audited as authorizeSchedulingFor.
 */
export async function authorizeAppointment(
	db: Database,
	actor: SchedulingActor,
	appointmentId: string,
	options: { action: AppointmentAction; auditSuccess?: boolean }
): Promise<Appointment> {
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(appointmentId)) throw new NotFound('No appointment with that id.');
	const [appointment] = await db.select().from(appointments).where(eq(appointments.id, appointmentId));
	if (!appointment) throw new NotFound('No appointment with that id.');
	await authorizeSchedulingFor(db, actor, appointment.patientId, { action: options.action, appointmentId, auditSuccess: options.auditSuccess });
	return appointment;
}

/**
 * Calendar reads (who is booked when, across patients): staff with 'schedule.view'. One audit
 * event per read ('appointment.list'), naming the calendars, not the patients.
 */
export async function authorizeCalendar(db: Database, actor: SchedulingActor, scope: { practitionerIds?: string[]; from?: Date; to?: Date }): Promise<void> {
	const which = scope.practitionerIds?.length ? `practitioners ${scope.practitionerIds.join(',')}` : 'clinic';
	const range = scope.from && scope.to ? ` ${scope.from.toISOString()}..${scope.to.toISOString()}` : '';
	if (isReminderLinkActor(actor) || !isStaff(actor) || !roleMay(actor.role, 'schedule.view')) {
		await recordAuditEvent(db, auditSubjectOf(actor), { action: 'appointment.list', outcome: 'denied', resourceType: 'calendar', resourceId: which, reason: isReminderLinkActor(actor) ? 'reminder link' : `role ${actor.role}` });
		throw new AccessDenied('Your role does not allow viewing the clinic calendar.');
	}
	await recordAuditEvent(db, actor, { action: 'appointment.list', outcome: 'success', resourceType: 'calendar', resourceId: which, reason: `calendar${range}` });
}
