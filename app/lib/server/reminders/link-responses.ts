import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointmentActionLinks, appointments, type AppointmentLinkAction, type Language } from '../../../../db/schema/index';
import type { ReminderLinkActor } from '../access/schedule-access';
import { recordAuditEvent } from '../audit/audit-log';
import { pushNotifications, writeNotifications } from '../notifications/notifications';
import { cancelAppointment, confirmAppointment, rescheduleAppointment } from '../scheduling/booking';
import { findSlots, type Slot } from '../scheduling/slots';
import { publishScheduleChange } from '../scheduling/schedule-changes';
import { clinicTimeZone } from '../scheduling/settings';
import { clinicDayOf } from '../scheduling/time';
import { LinkRefusal, loadLink, markLinkUsed, verifyLinkToken, type VerifiedToken } from './action-links';
import { languageOf, loadAppointmentForMessages, timeZoneOf, type AppointmentForMessages } from './appointment-context';
import { formatWhen } from './reminder-templates';
import { appointmentStaffUserIds } from './staff-recipients';

/**
 * What a signed link from a reminder may do: show its visit (minimal details: first name, kind of
 * visit, provider, time and place — never the reason) and, on a POST, do its one action through
 * the booking module with a ReminderLinkActor. Spending the link, the change, the answer on the
 * appointment (reminder_response), the staff notification and the audit event
 * ('appointment.link_use') commit together; a refusal changes nothing and leaves the link unused.
 */

export interface LinkVisit {
	action: AppointmentLinkAction;
	language: Language;
	clinicName: string;
	firstName: string;
	typeName: string;
	practitionerName: string;
	modality: 'in_person' | 'telehealth';
	locationName: string | null;
	startsAt: string;
	endsAt: string;
	timeZone: string;
	/** The time written in the patient's language and the location's zone. */
	when: string;
	status: string;
	appointmentId: string;
	version: number;
}

function visitOf(a: AppointmentForMessages, action: AppointmentLinkAction): LinkVisit {
	const language = languageOf(a);
	const timeZone = timeZoneOf(a);
	return {
		action,
		language,
		clinicName: a.clinic.name,
		firstName: a.patient.givenName,
		typeName: a.typeName,
		practitionerName: a.practitionerName,
		modality: a.appointment.modality,
		locationName: a.location?.name ?? null,
		startsAt: a.appointment.startsAt.toISOString(),
		endsAt: a.appointment.endsAt.toISOString(),
		timeZone,
		when: formatWhen(a.appointment.startsAt, language, timeZone),
		status: a.appointment.status,
		appointmentId: a.appointment.id,
		version: a.appointment.version
	};
}

async function auditRefusal(db: Database, refusal: LinkRefusal, verified: VerifiedToken | null, sourceAddress: string | null): Promise<void> {
	let patientId: string | null = null;
	let appointmentId: string | undefined;
	if (verified && refusal.problem === 'used') {
		const [row] = await db
			.select({ patientId: appointments.patientId, id: appointments.id })
			.from(appointments)
			.innerJoin(appointmentActionLinks, eq(appointments.id, appointmentActionLinks.appointmentId))
			.where(eq(appointmentActionLinks.id, verified.linkId));
		patientId = row?.patientId ?? null;
		appointmentId = row?.id;
	}
	await recordAuditEvent(db, { sourceAddress }, {
		action: 'appointment.link_use',
		outcome: 'denied',
		patientId,
		resourceType: appointmentId ? 'appointment' : 'appointment_link',
		resourceId: appointmentId ?? verified?.linkId,
		reason: `link ${refusal.problem}`
	});
}

/**
 * For the link's page (GET): checks the link without spending it and returns the visit. Throws
 * LinkRefusal. `allowUsed` shows the visit of a spent link: only for the page that answers the
 * POST which just spent it (or was refused), never for a plain visit.
 */
export async function inspectLink(
	db: Database,
	key: Uint8Array,
	token: string,
	meta: { sourceAddress: string | null },
	now = new Date(),
	options: { allowUsed?: boolean } = {}
): Promise<LinkVisit> {
	let verified: VerifiedToken | null = null;
	try {
		verified = verifyLinkToken(key, token, now);
		const link = await loadLink(db, verified, { allowUsed: options.allowUsed });
		const a = await loadAppointmentForMessages(db, link.appointmentId);
		if (!a) throw new LinkRefusal('unknown', 'This appointment no longer exists.');
		// Showing the visit is a read of patient data: audited as a view through the link.
		await recordAuditEvent(db, { sourceAddress: meta.sourceAddress }, {
			action: 'appointment.view',
			outcome: 'success',
			patientId: a.patient.id,
			resourceType: 'appointment',
			resourceId: a.appointment.id,
			reason: `via reminder link ${link.id}`
		});
		return visitOf(a, link.action);
	} catch (error) {
		if (error instanceof LinkRefusal) await auditRefusal(db, error, verified, meta.sourceAddress);
		throw error;
	}
}

/** Open times to offer on a reschedule link: the same provider first, then others; portal rules. */
export async function rescheduleChoices(db: Database, visit: Pick<LinkVisit, 'appointmentId'>, now = new Date()): Promise<Slot[]> {
	const [appointment] = await db.select().from(appointments).where(eq(appointments.id, visit.appointmentId));
	if (!appointment) return [];
	const range = { from: now, to: new Date(now.getTime() + 21 * 86_400_000), portal: true, now };
	const own = await findSlots(db, { appointmentTypeId: appointment.appointmentTypeId, practitionerIds: [appointment.practitionerId], limit: 12, ...range });
	const choices = own.filter((s) => s.startsAt !== appointment.startsAt.toISOString());
	if (choices.length >= 6) return choices;
	const others = await findSlots(db, { appointmentTypeId: appointment.appointmentTypeId, limit: 24, ...range });
	return [...choices, ...others.filter((s) => s.practitionerId !== appointment.practitionerId).slice(0, 12 - choices.length)];
}

export interface LinkUseInput {
	/** Reschedule only: the chosen slot. */
	startsAt?: string;
	practitionerId?: string;
	locationId?: string;
}

const responseWords: Record<AppointmentLinkAction, string> = { confirm: 'confirmed', cancel: 'cancelled', reschedule: 'moved' };

/**
 * Spends the link and does its action (POST). Throws LinkRefusal (bad, expired or used link),
 * SchedulingRefusal (the clinic's rules: a taken time, a visit already cancelled…) or
 * AccessDenied; in every case nothing changed and the link is still as it was.
 */
export async function useLink(db: Database, key: Uint8Array, token: string, input: LinkUseInput, meta: { sourceAddress: string | null }, now = new Date()): Promise<LinkVisit> {
	let verified: VerifiedToken | null = null;
	try {
		verified = verifyLinkToken(key, token, now);
	} catch (error) {
		if (error instanceof LinkRefusal) await auditRefusal(db, error, null, meta.sourceAddress);
		throw error;
	}
	const v = verified;
	let result: {
		visit: LinkVisit;
		notifications: Awaited<ReturnType<typeof writeNotifications>>;
		touched: { practitionerIds: string[]; instants: Date[] };
	};
	try {
		result = await db.transaction(async (transaction) => {
			const tx = transaction as unknown as Database;
			// Locked: a second use waits for this one and then finds the link spent.
			const link = await loadLink(tx, v, { forUpdate: true });
			const [appointment] = await tx
				.select({ patientId: appointments.patientId, practitionerId: appointments.practitionerId, startsAt: appointments.startsAt })
				.from(appointments)
				.where(eq(appointments.id, link.appointmentId));
			if (!appointment) throw new LinkRefusal('unknown', 'This appointment no longer exists.');
			const actor: ReminderLinkActor = { kind: 'reminder_link', linkId: link.id, appointmentId: link.appointmentId, patientId: appointment.patientId, action: link.action, sourceAddress: meta.sourceAddress };
			if (link.action === 'confirm') {
				await confirmAppointment(tx, actor, { appointmentId: link.appointmentId });
			} else if (link.action === 'cancel') {
				await cancelAppointment(tx, actor, { appointmentId: link.appointmentId, reason: 'Cancelled by the patient from a reminder' });
			} else {
				await rescheduleAppointment(tx, actor, { appointmentId: link.appointmentId, startsAt: input.startsAt ?? '', practitionerId: input.practitionerId, locationId: input.locationId });
				await tx
					.update(appointments)
					.set({ reminderResponse: 'reschedule_requested', reminderRespondedAt: now })
					.where(eq(appointments.id, link.appointmentId));
			}
			if (!(await markLinkUsed(tx, link.id, now))) throw new LinkRefusal('used', 'This link was already used.');
			await recordAuditEvent(tx, { sourceAddress: meta.sourceAddress }, {
				action: 'appointment.link_use',
				outcome: 'success',
				patientId: appointment.patientId,
				resourceType: 'appointment',
				resourceId: link.appointmentId,
				reason: `${link.action} via link ${link.id}`
			});
			const a = (await loadAppointmentForMessages(tx, link.appointmentId))!;
			const visit = visitOf(a, link.action);
			const staffWhen = formatWhen(a.appointment.startsAt, 'en', timeZoneOf(a));
			const notifications = await writeNotifications(tx, await appointmentStaffUserIds(tx, a.appointment.practitionerId), {
				kind: 'schedule.reminder_response',
				title: `${a.patient.givenName} ${a.patient.familyName} ${responseWords[link.action]} from a reminder`,
				body: `${a.typeName}, ${staffWhen}.`,
				link: `/schedule/${link.appointmentId}`,
				patientId: appointment.patientId
			});
			const touched = { practitionerIds: [appointment.practitionerId, a.appointment.practitionerId], instants: [appointment.startsAt, a.appointment.startsAt] };
			return { visit, notifications, touched };
		});
	} catch (error) {
		if (error instanceof LinkRefusal) await auditRefusal(db, error, v, meta.sourceAddress);
		throw error;
	}
	pushNotifications(result.notifications);
	// The booking module announced the change from inside this transaction, before it committed:
	// a calendar that reloaded then saw the old state. Announce it again now that it is visible.
	const zone = await clinicTimeZone(db);
	publishScheduleChange({
		kind: v.action === 'reschedule' ? 'rescheduled' : v.action === 'cancel' ? 'cancelled' : 'status',
		appointmentId: result.visit.appointmentId,
		practitionerIds: [...new Set(result.touched.practitionerIds)],
		days: [...new Set(result.touched.instants.map((instant) => clinicDayOf(instant, zone)))]
	});
	return result.visit;
}
