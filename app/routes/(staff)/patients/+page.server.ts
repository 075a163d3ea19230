import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { patientSearchParamsSchema, searchPatients } from '$lib/server/patients/search';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');

	const params = parseSearchParams(url.searchParams, patientSearchParamsSchema);
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
