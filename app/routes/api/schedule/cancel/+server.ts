import { json } from '@sveltejs/kit';
import { roleMay } from '$lib/server/access/policy';
import { cancelAppointment } from '$lib/server/scheduling/booking';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseJsonBody } from '$lib/server/http/validation';
import { cancelSchema } from '../schedule-schemas';
import { appointmentJson } from '../calendar-view.server';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/** POST /api/schedule/cancel {appointmentId, reason?} — the caller has already asked the person to confirm. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to cancel an appointment.');
	// The role first, so a refusal never depends on how well-formed the request was. Portal users book in the portal.
	if (!roleMay(actor.role, 'schedule.book')) return refuse(403, 'Your role does not allow cancelling appointments.', 'forbidden');
	const body = await parseJsonBody(request, cancelSchema);
	if (!body.ok) return refuse(400, firstError(body.errors, 'The cancellation could not be read.'), 'invalid');
	try {
		const appointment = await cancelAppointment(getRuntime().database.db, actor, body.data);
		return json({ appointment: appointmentJson(appointment) });
	} catch (cause) {
		return problemResponse(cause);
	}
};
