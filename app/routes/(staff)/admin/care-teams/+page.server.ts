import { error, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { requireClinicManager } from '$lib/server/admin/guard';
import { parseSearchParams } from '$lib/server/http/validation';
import { patientSearchParamsSchema, searchPatients } from '$lib/server/patients/search';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** Pick a patient (the staff patient search) to see and change their care team. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { db } = getRuntime().database;
	try {
		await requireClinicManager(db, actor, 'care_team.change');
		const params = parseSearchParams(url.searchParams, patientSearchParamsSchema);
		if (!params.ok) return { q: url.searchParams.get('q')?.slice(0, 100) ?? '', result: null, problem: Object.values(params.errors).join(' ') };
		if (params.data.q === '') return { q: '', result: null, problem: null };
		const result = await searchPatients(db, actor, { text: params.data.q, page: params.data.page });
		return { q: params.data.q, result, problem: null };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can change care teams.');
		throw cause;
	}
};
