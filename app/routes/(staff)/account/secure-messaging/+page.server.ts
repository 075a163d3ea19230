import { redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import type { PageServerLoad } from './$types';

/** Keys and devices live in the browser; the server serves the page only. */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal/messages/settings');
	return {};
};
