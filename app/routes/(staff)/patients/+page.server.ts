import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { searchPatients } from '$lib/server/patients/search';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import type { PageServerLoad } from './$types';

/** Same rules as GET /api/patients, so a link copied from one works in the other. */
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

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');

	const params = parseSearchParams(url.searchParams, searchParamsSchema);
	if (!params.ok) {
		// A hand-edited address is the person's mistake, not ours: say what to fix, keep the form.
		return { q: url.searchParams.get('q')?.slice(0, 100) ?? '', result: null, problem: { message: Object.values(params.errors).join(' ') } };
	}
	try {
		const result = await searchPatients(getRuntime().database.db, actor, { text: params.data.q, page: params.data.page });
		return { q: params.data.q, result, problem: null };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Your role does not allow searching for patients.');
		throw cause;
	}
};
