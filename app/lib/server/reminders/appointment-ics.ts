import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

/**
 * The .ics attached to booking notices (RFC 5546 iTIP): METHOD:REQUEST for a booked or moved
 * visit, METHOD:CANCEL for a cancelled one. The UID is stable per appointment and SEQUENCE is the
 * appointment's version, so a calendar app updates (or removes) the one event it already has
 * instead of adding another. Times are written in UTC. Minimal PHI: the visit type and the
 * clinic, never the reason.
 */

export interface IcsAppointment {
	appointmentId: string;
	version: number;
	startsAt: Date;
	endsAt: Date;
	summary: string;
	description: string;
	location: string;
	url?: string;
	/** The clinic's mail domain: the UID's right-hand side. */
	domain: string;
	organizer: { name: string; email: string };
	attendee?: { name: string; email: string };
}

export function appointmentUid(appointmentId: string, domain: string): string {
	return `appointment-${appointmentId}@${domain}`;
}

export function appointmentIcs(a: IcsAppointment, method: 'REQUEST' | 'CANCEL'): string {
	const calendar = ical({
		prodId: { company: 'ClinicSync', product: 'Appointments', language: 'EN' },
		method: method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST
	});
	calendar.createEvent({
		id: appointmentUid(a.appointmentId, a.domain),
		sequence: a.version,
		start: a.startsAt,
		end: a.endsAt,
		stamp: new Date(),
		summary: a.summary,
		description: a.description,
		location: a.location,
		url: a.url ?? null,
		status: method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
		organizer: a.organizer,
		attendees: a.attendee ? [{ name: a.attendee.name, email: a.attendee.email, rsvp: false }] : []
	});
	return calendar.toString();
}
