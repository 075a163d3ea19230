import { error, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { accountFiltersSchema, listAccounts } from '$lib/server/admin/accounts';
import { roleLabels, roleOptions } from '$lib/server/admin/role-labels';
import { parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const parsed = parseSearchParams(url.searchParams, accountFiltersSchema);
	// A hand-edited address: say what to fix and show the unfiltered first page.
	const filters = parsed.ok ? parsed.data : accountFiltersSchema.parse({});
	try {
		const list = await listAccounts(getRuntime().database.db, actor, filters);
		return { filters, list, problem: parsed.ok ? null : Object.values(parsed.errors).join(' '), roleOptions, roleLabels };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can manage accounts.');
		throw cause;
	}
};
