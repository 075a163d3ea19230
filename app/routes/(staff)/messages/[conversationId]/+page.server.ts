import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { fields } from '$lib/server/http/validation';
import type { PageServerLoad } from './$types';

/** The shell of one conversation; membership is checked by the chat server when the browser opens it. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal/messages');
	if (!fields.uuid.safeParse(params.conversationId).success) error(404, 'There is no conversation at this address.');
	return { conversationId: params.conversationId };
};
