import { json } from '@sveltejs/kit';
import { DateTime } from 'luxon';
import { roleMay } from '$lib/server/access/policy';
import { findSlots } from '$lib/server/scheduling/slots';
import { clinicTimeZone } from '$lib/server/scheduling/settings';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import { slotParamsSchema } from '../schedule-schemas';
import { firstError, problemResponse, refuse } from '../schedule-http.server';
import type { RequestHandler } from './$types';

/**
 * GET /api/schedule/slots?appointmentTypeId=&practitionerId=&locationId=&from=YYYY-MM-DD&days=7 —
 * free times for staff booking (any free time, no portal notice or horizon), within capacity.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to look for free times.');
	if (!roleMay(actor.role, 'schedule.book')) return refuse(403, 'Your role does not allow booking appointments.', 'forbidden');
	const params = parseSearchParams(url.searchParams, slotParamsSchema);
	if (!params.ok) return refuse(400, firstError(params.errors, 'The search could not be read.'), 'invalid');
	const { db } = getRuntime().database;
	try {
		const zone = await clinicTimeZone(db);
		const first = DateTime.fromISO(params.data.from, { zone }).startOf('day');
		const slots = await findSlots(db, {
			appointmentTypeId: params.data.appointmentTypeId,
			practitionerIds: params.data.practitionerId ? [params.data.practitionerId] : undefined,
			locationId: params.data.locationId,
			from: first.toJSDate(),
			to: first.plus({ days: params.data.days }).toJSDate(),
			limit: 300
		});
		return json({ slots }, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		return problemResponse(cause);
	}
};
