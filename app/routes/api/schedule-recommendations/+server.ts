import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { NotFound } from '$lib/server/access/errors';
import { recommendSlots } from '$lib/server/scheduling/slot-recommender';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import { firstError, problemResponse, refuse } from '../schedule/schedule-http.server';
import type { RequestHandler } from './$types';

const paramsSchema = z.object({
	patientId: z.string({ error: 'Choose the patient.' }).trim().uuid('Choose the patient.'),
	appointmentTypeId: z.string({ error: 'Choose the kind of appointment.' }).trim().uuid('Choose the kind of appointment.'),
	urgency: z.preprocess((v) => (v === '' || v === undefined ? 'routine' : v), z.enum(['routine', 'soon', 'urgent'], { error: 'Choose routine, soon or urgent.' })),
	limit: z.preprocess(
		(v) => (v === '' || v === undefined ? '5' : v),
		z.string().regex(/^\d{1,2}$/, 'Ask for 1 to 20 suggestions.').transform(Number).pipe(z.number().min(1, 'Ask for 1 to 20 suggestions.').max(20, 'Ask for 1 to 20 suggestions.'))
	)
});

/**
 * GET /api/schedule-recommendations?patientId=&appointmentTypeId=&urgency=routine|soon|urgent —
 * open slots within capacity ranked for this patient, each with its score and reason. Staff
 * reach it through the patient's record; a patient or proxy for themselves (portal rules).
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return refuse(401, 'Sign in to see suggested times.');
	const params = parseSearchParams(url.searchParams, paramsSchema);
	if (!params.ok) return refuse(400, firstError(params.errors, 'The request could not be read.'), 'invalid');
	try {
		const result = await recommendSlots(getRuntime().database.db, actor, params.data);
		return json(result, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		if (cause instanceof NotFound) return refuse(404, 'There is no such patient, or it is not one you may see.', 'not_found');
		return problemResponse(cause);
	}
};
