import { fail, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { getRuntime } from '$lib/server/platform/runtime';
import { cancelAppointment } from '$lib/server/scheduling/booking';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import { trimmedText } from '../../portal-booking.server';
import { loadVisit } from '../visit.server';
import type { Actions, PageServerLoad } from './$types';

/** Cancelling is a page of its own: the visit, an optional reason, and one clear button. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	return { visit: await loadVisit(getRuntime().database.db, actor, params.appointmentId) };
};

export const actions: Actions = {
	cancel: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { error: 'Only patients and the people they chose can cancel a visit in the portal.' });
		const { db } = getRuntime().database;
		// Access first (the booking core checks it again when it cancels).
		const visit = await loadVisit(db, actor, params.appointmentId);
		let data: FormData;
		try {
			data = await request.formData();
		} catch {
			return fail(400, { error: 'The form could not be read. Reload the page and try again.' });
		}
		const reason = trimmedText(data.get('reason'), 10_000);
		if (reason.length > 500) return fail(400, { error: 'Keep the reason under 500 characters.', reason: reason.slice(0, 500) });
		try {
			await cancelAppointment(db, actor, { appointmentId: visit.id, reason: reason || undefined });
		} catch (cause) {
			if (cause instanceof SchedulingRefusal) return fail(cause.status, { error: cause.message, reason });
			if (cause instanceof AccessDenied) return fail(403, { error: 'You cannot cancel this visit. If you think you should, contact the clinic.', reason });
			if (cause instanceof NotFound) return fail(404, { error: 'This visit no longer exists.', reason });
			throw cause;
		}
		redirect(303, `/portal/appointments?patient=${visit.patientId}&cancelled=${visit.id}`);
	}
};
