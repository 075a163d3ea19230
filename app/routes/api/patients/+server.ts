import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { searchPatients } from '$lib/server/patients/search';
import { badRequest, parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** Same rules as the /patients page, so a link copied from one works in the other. */
const searchParamsSchema = z.object({
	q: z.string().trim().max(100, 'Search with at most 100 characters.').default(''),
	page: z.preprocess(
		(value) => (value === '' ? undefined : value),
		z
			.string()
			.regex(/^\d+$/, 'The page number must be a whole number, like 2.')
			.transform(Number)
			.pipe(z.number().min(1, 'The page number starts at 1.').max(1000, 'The page number can be at most 1000.'))
			.default(1)
	)
});

/** GET /api/patients?q=&page= — staff patient search as JSON. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to search for patients.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'Patient search is for clinic staff.' }, { status: 403 });

	const params = parseSearchParams(url.searchParams, searchParamsSchema);
	if (!params.ok) return badRequest('The search could not be read. Check the fields named in errors.', params.errors);
	try {
		const result = await searchPatients(getRuntime().database.db, actor, { text: params.data.q, page: params.data.page });
		return json(result, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'Your role does not allow searching for patients.' }, { status: 403 });
		throw cause;
	}
};
