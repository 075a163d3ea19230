import { redirect } from '@sveltejs/kit';
import { isExternal, isPortalUser } from '$lib/server/access/actor';
import { getClinic } from '$lib/server/clinic/clinic';
import { getRuntime } from '$lib/server/platform/runtime';
import { unreadNotificationCount } from '$lib/server/notifications/notifications';
import type { LayoutServerLoad } from './$types';

/**
 * The staff workspace. This guard shapes navigation only: layout loads do not protect form
 * actions or endpoints, so every page load, action and +server.ts below checks the actor too.
 */
export const load: LayoutServerLoad = async ({ locals, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (isPortalUser(actor)) redirect(303, '/portal');
	// An outside person sees only what was shared with them, in the portal.
	if (isExternal(actor)) redirect(303, '/portal/shared');
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
