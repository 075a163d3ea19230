/**
 * One of the patient's visits for the reschedule and cancel pages: read through the booking
 * core (which authorizes the portal user for the appointments scope and audits the read), in the
 * shape the pages show.
 */
import { error } from '@sveltejs/kit';
import type { Database } from '../../../../../../db/client';
import type { Actor } from '$lib/server/access/actor';
import { fields } from '$lib/server/http/validation';
import { getAppointment } from '$lib/server/scheduling/calendar';
import { clinicTimeZone } from '$lib/server/scheduling/settings';
import { accessErrorPage } from '../portal-booking.server';

export interface PortalVisit {
	id: string;
	patientId: string;
	practitionerId: string;
	practitionerName: string;
	locationId: string | null;
	locationName: string;
	appointmentTypeId: string;
	typeName: string;
	modality: string;
	startsAt: string;
	endsAt: string;
	timeZone: string;
	status: string;
	reason: string;
	version: number;
	/** Booked or confirmed and not started: the patient may still move or cancel it. */
	changeable: boolean;
}

export async function loadVisit(db: Database, actor: Actor, appointmentId: string): Promise<PortalVisit> {
	if (!fields.uuid.safeParse(appointmentId).success) error(404, 'There is no such appointment.');
	try {
		const [a, zone] = await Promise.all([getAppointment(db, actor, appointmentId), clinicTimeZone(db)]);
		const startsAt = new Date(a.startsAt).toISOString();
		return {
			id: a.id,
			patientId: a.patientId,
			practitionerId: a.practitionerId,
			practitionerName: a.practitionerName,
			locationId: a.locationId ?? null,
			locationName: a.locationName ?? '',
			appointmentTypeId: a.appointmentTypeId,
			typeName: a.typeName,
			modality: a.modality,
			startsAt,
			endsAt: new Date(a.endsAt).toISOString(),
			timeZone: a.timeZone ?? zone,
			status: a.status,
			reason: a.reason,
			version: a.version,
			changeable: (a.status === 'booked' || a.status === 'confirmed') && Date.parse(startsAt) > Date.now()
		};
	} catch (cause) {
		accessErrorPage(cause);
	}
}
