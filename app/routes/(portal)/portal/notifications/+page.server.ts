import { fail, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { listNotifications, markNotificationsRead } from '$lib/server/notifications/notifications';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/** The signed-in patient or proxy's own notifications (a treatment plan that changed, …). */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	return listNotifications(getRuntime().database.db, actor.userId);
};

export const actions: Actions = {
	markRead: async ({ locals }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { message: 'This page is for patients and the people they gave access to.' });
		await markNotificationsRead(getRuntime().database.db, actor.userId);
		return { marked: true };
	}
};
