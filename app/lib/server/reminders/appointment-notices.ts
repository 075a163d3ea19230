import type { Database } from '../../../../db/client';
import { enqueueEmail } from '../mail/outbox';
import { domainOfAddress } from '../mail/smtp-transport';
import { loadAppointmentForMessages, messageContextOf } from './appointment-context';
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
	const context = messageContextOf(a);
	const email = renderNoticeEmail(context, kind);
	// The .ics organizer and UID domain follow MAIL_FROM (the SMTP transport sets the real From).
	const from = reminderContext()?.mailFrom ?? 'ClinicSync <no-reply@clinicsync.local>';
	const fromAddress = /<([^>]+)>/.exec(from)?.[1] ?? from;
	const ics = appointmentIcs(
		{
			appointmentId,
			version: a.appointment.version,
			startsAt: a.appointment.startsAt,
			endsAt: a.appointment.endsAt,
			summary: `${a.typeName} · ${a.clinic.name}`,
			description: `${a.typeName} (${a.practitionerName}). ${context.portalUrl}`,
			location: a.appointment.modality === 'telehealth' ? 'Video visit' : [a.location?.name, a.location?.address].filter(Boolean).join(', '),
			url: context.portalUrl,
			domain: domainOfAddress(from),
			organizer: { name: a.clinic.name, email: fromAddress },
			attendee: { name: `${a.patient.givenName} ${a.patient.familyName}`, email: a.patient.email }
		},
		kind === 'cancelled' ? 'CANCEL' : 'REQUEST'
	);
	await enqueueEmail(tx, {
		idempotencyKey: `appointment-notice:${appointmentId}:${kind}:${a.appointment.version}`,
		topic: `appointment.${kind}`,
		email: {
			to: a.patient.email,
			subject: email.subject,
			text: email.text,
			attachments: [
				{
					filename: kind === 'cancelled' ? 'cancelled-appointment.ics' : 'appointment.ics',
					contentType: `text/calendar; charset=utf-8; method=${kind === 'cancelled' ? 'CANCEL' : 'REQUEST'}`,
					contentBase64: Buffer.from(ics, 'utf8').toString('base64')
				}
			]
		}
	});
}
