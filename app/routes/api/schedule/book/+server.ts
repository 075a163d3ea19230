import { json } from '@sveltejs/kit';
import { roleMay } from '$lib/server/access/policy';
import { bookAppointment } from '$lib/server/scheduling/booking';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseJsonBody } from '$lib/server/http/validation';
import { bookSchema } from '../schedule-schemas';
import { appointmentJson } from '../calendar-view.server';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/** POST /api/schedule/book — staff book a visit; 409 with alternatives when the time is taken or over capacity. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to book an appointment.');
	// The role first, so a refusal never depends on how well-formed the request was. Portal users book in the portal.
	if (!roleMay(actor.role, 'schedule.book')) return refuse(403, 'Your role does not allow booking appointments.', 'forbidden');
	const body = await parseJsonBody(request, bookSchema);
	if (!body.ok) return refuse(400, firstError(body.errors, 'The booking could not be read.'), 'invalid');
	try {
		const appointment = await bookAppointment(getRuntime().database.db, actor, { ...body.data, startsAt: new Date(body.data.startsAt) });
		return json({ appointment: appointmentJson(appointment) }, { status: 201 });
	} catch (cause) {
		return problemResponse(cause);
	}
};
