import { redirect } from '@sveltejs/kit';
import { isExternal, isPortalUser } from '$lib/server/access/actor';
import { getClinic } from '$lib/server/clinic/clinic';
import { getRuntime } from '$lib/server/platform/runtime';
import { unreadNotificationCount } from '$lib/server/notifications/notifications';
import type { LayoutServerLoad } from './$types';

/**
 * The patient portal. Like the staff layout, this guard shapes navigation only; the page loads
 * and endpoints below check the actor themselves.
 */
export const load: LayoutServerLoad = async ({ locals, url, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	// An outside person a record was shared with has the portal's "Shared with you" pages only.
	if (isExternal(actor) && !url.pathname.startsWith('/portal/shared')) redirect(303, '/portal/shared');
	if (!isPortalUser(actor) && !isExternal(actor)) redirect(303, '/patients');
	const clinic = await getClinic(getRuntime().database.db);
	// Pages that mark notifications read invalidate this, so the count follows.
	depends('app:notifications');
	return {
		// userId: the browser's chat client opens this person's key store (secure messaging).
		actor: { userId: actor.userId, displayName: actor.displayName, role: actor.role },
		clinic: { name: clinic?.name ?? 'ClinicSync', timeZone: clinic?.timeZone ?? 'UTC' },
		/** For the automatic logoff warning (IdleLogoff); the server enforces the timeout itself. */
		idleTimeoutMinutes: clinic?.idleTimeoutMinutes ?? 15,
		unreadNotifications: await unreadNotificationCount(getRuntime().database.db, actor.userId)
	};
};
