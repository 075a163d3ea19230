import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { listBreakGlassAccesses } from '$lib/server/access/break-glass';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** Every emergency access, newest first, with the reason given: the clinic administrators' review. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	const requested = Number(url.searchParams.get('page') ?? '1');
	const page = Number.isInteger(requested) && requested >= 1 && requested <= 100_000 ? requested : 1;
	try {
		return await listBreakGlassAccesses(getRuntime().database.db, actor, { page });
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'The emergency access review is for clinic administrators.');
		throw cause;
	}
};
