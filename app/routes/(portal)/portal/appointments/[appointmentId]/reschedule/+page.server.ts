import { fail, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { getRuntime } from '$lib/server/platform/runtime';
import { rescheduleAppointment } from '$lib/server/scheduling/booking';
import { listBookableProviders } from '$lib/server/scheduling/calendar';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import { clinicTimeZone, getSchedulingSettings } from '$lib/server/scheduling/settings';
import { addDays, clinicDayOf } from '$lib/server/scheduling/time';
import { daySlots, parseSlotValue, refusalView, validDay, type DaySlots } from '../../portal-booking.server';
import { loadVisit } from '../visit.server';
import type { Actions, PageServerLoad } from './$types';

/**
 * Move a visit: the current time stays in view; pick a day (the same provider by default, or
 * anyone) and a free time. Booking's own rules apply (minimum notice, capacity, no overlap).
 */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const visit = await loadVisit(db, actor, params.appointmentId);
	const [settings, providers, timeZone] = await Promise.all([getSchedulingSettings(db), listBookableProviders(db), clinicTimeZone(db)]);
	const today = clinicDayOf(new Date(), timeZone);
	const lastDay = addDays(today, settings.bookingHorizonDays);
	const providerParam = url.searchParams.get('provider');
	const providerId = providerParam === 'any' ? 'any' : (providers.find((p) => p.id === providerParam)?.id ?? visit.practitionerId);
	const requestedDay = validDay(url.searchParams.get('day'));
	const base = {
		visit,
		providers: providers.map((p) => ({ id: p.id, name: p.name, specialty: p.specialty })),
		today,
		lastDay,
		providerId,
		minimumNoticeHours: settings.minimumNoticeHours
	};
	if (!visit.changeable) return { ...base, day: requestedDay, found: null as DaySlots | null, unavailable: null as string | null };
	try {
		const found = await daySlots(db, {
			appointmentTypeId: visit.appointmentTypeId,
			practitionerIds: providerId === 'any' ? undefined : [providerId],
			day: requestedDay && requestedDay <= lastDay ? requestedDay : null,
			timeZone
		});
		return { ...base, day: found.day, found, unavailable: null };
	} catch (cause) {
		if (cause instanceof SchedulingRefusal) return { ...base, day: requestedDay, found: null, unavailable: cause.message };
		throw cause;
	}
};

export const actions: Actions = {
	reschedule: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { error: 'Only patients and the people they chose can move a visit in the portal.' });
		const { db } = getRuntime().database;
		// Access first (the booking core checks it again when it moves the visit).
		const visit = await loadVisit(db, actor, params.appointmentId);
		let data: FormData;
		try {
			data = await request.formData();
		} catch {
			return fail(400, { error: 'The form could not be read. Reload the page and try again.' });
		}
		const slot = parseSlotValue(data.get('slot'));
		if (!slot) return fail(400, { error: 'Choose a new time from the list.' });
		const versionText = data.get('version');
		const expectedVersion = typeof versionText === 'string' && /^\d{1,9}$/.test(versionText) ? Number(versionText) : undefined;
		try {
			await rescheduleAppointment(db, actor, {
				appointmentId: visit.id,
				startsAt: slot.startsAt,
				practitionerId: slot.practitionerId,
				locationId: slot.locationId,
				expectedVersion
			});
		} catch (cause) {
			if (cause instanceof SchedulingRefusal) {
				return fail(cause.status, { refusal: await refusalView(db, cause, { appointmentTypeId: visit.appointmentTypeId, practitionerId: slot.practitionerId, after: slot.startsAt }) });
			}
			if (cause instanceof AccessDenied) return fail(403, { error: 'You cannot move this visit. If you think you should, contact the clinic.' });
			if (cause instanceof NotFound) return fail(404, { error: 'This visit no longer exists.' });
			throw cause;
		}
		redirect(303, `/portal/appointments?patient=${visit.patientId}&moved=${visit.id}&from=${encodeURIComponent(visit.startsAt)}`);
	}
};
