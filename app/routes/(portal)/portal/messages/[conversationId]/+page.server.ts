import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { fields } from '$lib/server/http/validation';
import type { PageServerLoad } from './$types';

/** The shell of one conversation; the chat server authorizes it when the browser opens it. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, `/messages/${params.conversationId}`);
	if (!fields.uuid.safeParse(params.conversationId).success) error(404, 'There is no conversation at this address.');
	const patient = url.searchParams.get('patient');
	return { conversationId: params.conversationId, patientId: patient && fields.uuid.safeParse(patient).success ? patient : null };
};
