import { json } from '@sveltejs/kit';
import { roleMay } from '$lib/server/access/policy';
import { confirmAppointment, recordAttendance } from '$lib/server/scheduling/booking';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseJsonBody } from '$lib/server/http/validation';
import { statusSchema } from '../schedule-schemas';
import { appointmentJson } from '../calendar-view.server';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/** POST /api/schedule/status {appointmentId, status: confirmed|checked_in|completed|no_show}. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to change an appointment.');
	// The role first, so a refusal never depends on how well-formed the request was. Portal users book in the portal.
	if (!roleMay(actor.role, 'schedule.book')) return refuse(403, 'Your role does not allow changing appointments.', 'forbidden');
	const body = await parseJsonBody(request, statusSchema);
	if (!body.ok) return refuse(400, firstError(body.errors, 'The change could not be read.'), 'invalid');
	const { db } = getRuntime().database;
	try {
		const { appointmentId, status } = body.data;
		const appointment = status === 'confirmed' ? await confirmAppointment(db, actor, { appointmentId }) : await recordAttendance(db, actor, { appointmentId, status });
		return json({ appointment: appointmentJson(appointment) });
	} catch (cause) {
		return problemResponse(cause);
	}
};
