import { json } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { patientSearchParamsSchema, searchPatients } from '$lib/server/patients/search';
import { badRequest, parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** GET /api/patients?q=&page= — staff patient search as JSON. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to search for patients.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'Patient search is for clinic staff.' }, { status: 403 });

	const params = parseSearchParams(url.searchParams, patientSearchParamsSchema);
	if (!params.ok) return badRequest('The search could not be read. Check the fields named in errors.', params.errors);
	try {
		const result = await searchPatients(getRuntime().database.db, actor, { text: params.data.q, page: params.data.page });
		return json(result, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'Your role does not allow searching for patients.' }, { status: 403 });
		throw cause;
	}
};
