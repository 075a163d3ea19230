import { redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { listPatientAppointments } from '$lib/server/scheduling/calendar';
import { getClinic } from '$lib/server/clinic/clinic';
import { getRuntime } from '$lib/server/platform/runtime';
import { accessErrorPage, portalPeople } from './portal-booking.server';
import type { PageServerLoad } from './$types';

/**
 * The patient's visits, upcoming and past; a proxy with the appointments scope picks the person
 * with ?patient=. After booking, moving or cancelling, ?booked= / ?moved= / ?cancelled= names the
 * visit the confirmation is about.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const { people, patient } = await portalPeople(db, actor, url);
	const clinic = await getClinic(db);
	const clinicTimeZone = clinic?.timeZone ?? 'UTC';
	if (!patient) return { people, patient: null, upcoming: [], past: [], clinicTimeZone, done: null };

	try {
		const all = await listPatientAppointments(db, actor, patient.patientId, { include: 'all' });
		const now = Date.now();
		const visits = all.map((a) => ({
			id: a.id,
			typeName: a.typeName,
			modality: a.modality,
			practitionerName: a.practitionerName,
			locationName: a.locationName,
			startsAt: new Date(a.startsAt).toISOString(),
			endsAt: new Date(a.endsAt).toISOString(),
			timeZone: a.timeZone ?? clinicTimeZone,
			status: a.status,
			reason: a.reason
		}));
		const isUpcoming = (v: (typeof visits)[number]) => Date.parse(v.endsAt) > now && v.status !== 'cancelled' && v.status !== 'completed' && v.status !== 'no_show';
		const upcoming = visits.filter(isUpcoming).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
		const past = visits.filter((v) => !isUpcoming(v)).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
		const doneKind = (['booked', 'moved', 'cancelled'] as const).find((k) => url.searchParams.has(k)) ?? null;
		const doneId = doneKind ? url.searchParams.get(doneKind) : null;
		const doneVisit = doneId ? visits.find((v) => v.id === doneId) : undefined;
		return { people, patient, upcoming, past, clinicTimeZone, done: doneKind && doneVisit ? { kind: doneKind, visit: doneVisit } : null };
	} catch (cause) {
		accessErrorPage(cause, 'health record');
	}
};
