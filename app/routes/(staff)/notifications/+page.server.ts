import { fail, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { listNotifications, markNotificationsRead } from '$lib/server/notifications/notifications';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/** The signed-in staff member's own notifications (missed-dose alerts for their patients, …). */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	return listNotifications(getRuntime().database.db, actor.userId);
};

export const actions: Actions = {
	markRead: async ({ locals }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) return fail(403, { message: 'This page is for clinic staff.' });
		await markNotificationsRead(getRuntime().database.db, actor.userId);
		return { marked: true };
	}
};
