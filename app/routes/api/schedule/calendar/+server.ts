import { json } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import { calendarParamsSchema } from '../schedule-schemas';
import { loadCalendarView } from '../calendar-view.server';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/** GET /api/schedule/calendar?view=day|week&practitioner=&location=&date= — what the calendar page shows, as JSON. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to see the calendar.');
	const params = parseSearchParams(url.searchParams, calendarParamsSchema);
	if (!params.ok) return refuse(400, firstError(params.errors, 'The calendar address could not be read.'), 'invalid');
	try {
		const view = await loadCalendarView(getRuntime().database.db, actor, params.data);
		return json(view, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		return problemResponse(cause);
	}
};
