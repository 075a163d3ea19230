import { redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import type { PageServerLoad } from './$types';

/** The start page is a signpost: sign in, or go to your workspace. */
export const load: PageServerLoad = ({ locals }) => {
	if (!locals.actor) redirect(303, '/sign-in');
	redirect(303, isPortalUser(locals.actor) ? '/portal' : '/patients');
};
