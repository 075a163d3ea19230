import { json } from '@sveltejs/kit';
import { roleMay } from '$lib/server/access/policy';
import { rescheduleAppointment } from '$lib/server/scheduling/booking';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseJsonBody } from '$lib/server/http/validation';
import { rescheduleSchema } from '../schedule-schemas';
import { appointmentJson } from '../calendar-view.server';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/** POST /api/schedule/reschedule — move a visit; 409 with alternatives when the new time is taken, 409 'stale' after someone else's change. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to move an appointment.');
	// The role first, so a refusal never depends on how well-formed the request was. Portal users book in the portal.
	if (!roleMay(actor.role, 'schedule.book')) return refuse(403, 'Your role does not allow moving appointments.', 'forbidden');
	const body = await parseJsonBody(request, rescheduleSchema);
	if (!body.ok) return refuse(400, firstError(body.errors, 'The change could not be read.'), 'invalid');
	try {
		const appointment = await rescheduleAppointment(getRuntime().database.db, actor, { ...body.data, startsAt: new Date(body.data.startsAt) });
		return json({ appointment: appointmentJson(appointment) });
	} catch (cause) {
		return problemResponse(cause);
	}
};
