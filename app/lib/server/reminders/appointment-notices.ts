import type { Database } from '../../../../db/client';
import { enqueueEmail } from '../mail/outbox';
import { domainOfAddress } from '../mail/smtp-transport';
import { linkOriginForMessages, loadAppointmentForMessages, messageContextOf, type AppointmentForMessages } from './appointment-context';
import { appointmentIcs } from './appointment-ics';
import { reminderContext } from './reminder-context';
import { renderNoticeEmail } from './reminder-templates';

export type AppointmentNoticeKind = 'booked' | 'rescheduled' | 'cancelled';

/**
 * Puts the patient's confirmation (booked, moved or cancelled) in the durable outbox inside the
 * booking's transaction: in the patient's language, with an .ics (REQUEST, or CANCEL).
 *
 * One notice per appointment, kind and version (the idempotency key), so a retried request
 * never sends two. A patient without an email address gets none (SMS carries reminders only).
 */
export async function enqueueAppointmentNotice(tx: Database, appointmentId: string, kind: AppointmentNoticeKind): Promise<void> {
	const a = await loadAppointmentForMessages(tx, appointmentId);
	if (!a || !a.patient.email || !a.patient.communicationPreferences?.email) return;
	const email = renderNoticeEmail(messageContextOf(a), kind);
	await enqueueEmail(tx, {
		idempotencyKey: `appointment-notice:${appointmentId}:${kind}:${a.appointment.version}`,
		topic: `appointment.${kind}`,
		email: {
			to: a.patient.email,
			subject: email.subject,
			text: email.text,
			attachments: [icsAttachmentFor(a, kind === 'cancelled' ? 'CANCEL' : 'REQUEST')]
		}
	});
}

/**
 * The visit as an .ics email attachment (booking notices and email reminders): REQUEST, or
 * CANCEL for a cancelled visit. The organizer and the UID's domain follow MAIL_FROM.
 */
export function icsAttachmentFor(a: AppointmentForMessages, method: 'REQUEST' | 'CANCEL'): { filename: string; contentType: string; contentBase64: string } {
	const from = reminderContext()?.mailFrom ?? 'ClinicSync <no-reply@clinicsync.local>';
	const fromAddress = /<([^>]+)>/.exec(from)?.[1] ?? from;
	const portalUrl = `${linkOriginForMessages()}/portal/appointments`;
	const ics = appointmentIcs(
		{
			appointmentId: a.appointment.id,
			version: a.appointment.version,
			startsAt: a.appointment.startsAt,
			endsAt: a.appointment.endsAt,
			summary: `${a.typeName} · ${a.clinic.name}`,
			description: `${a.typeName} (${a.practitionerName}). ${portalUrl}`,
			location: a.appointment.modality === 'telehealth' ? 'Video visit' : [a.location?.name, a.location?.address].filter(Boolean).join(', '),
			url: portalUrl,
			domain: domainOfAddress(from),
			organizer: { name: a.clinic.name, email: fromAddress },
			attendee: a.patient.email ? { name: `${a.patient.givenName} ${a.patient.familyName}`, email: a.patient.email } : undefined
		},
		method
	);
	return {
		filename: method === 'CANCEL' ? 'cancelled-appointment.ics' : 'appointment.ics',
		contentType: `text/calendar; charset=utf-8; method=${method}`,
		contentBase64: Buffer.from(ics, 'utf8').toString('base64')
	};
}
