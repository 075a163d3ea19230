import { fail, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { openConsultForAppointment } from '$lib/server/consults/consults';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { getRuntime } from '$lib/server/platform/runtime';
import { loadVisit } from '../visit.server';
import type { Actions, PageServerLoad } from './$types';

/**
 * "Join video visit" for a telehealth appointment (from the appointments list, the reminder
 * link's page, or this address in a message): the visit, then one button that opens its consult
 * room (made on first use) and goes to the device check.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, `/schedule/${encodeURIComponent(params.appointmentId)}`);
	return { visit: await loadVisit(getRuntime().database.db, actor, params.appointmentId) };
};

export const actions: Actions = {
	default: async ({ locals, params }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { error: 'Clinicians open the consult room from the schedule.' });
		let consultId: string;
		try {
			consultId = (await openConsultForAppointment(getRuntime().database.db, actor, params.appointmentId)).id;
		} catch (cause) {
			if (cause instanceof ConsultRefusal) return fail(cause.status, { error: cause.message });
			if (cause instanceof NotFound || cause instanceof AccessDenied) return fail(404, { error: 'There is no such video visit. Open it from your appointments.' });
			throw cause;
		}
		redirect(303, `/portal/consults/${consultId}`);
	}
};
