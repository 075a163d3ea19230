import { redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { getClinic } from '$lib/server/clinic/clinic';
import { getRuntime } from '$lib/server/platform/runtime';
import type { LayoutServerLoad } from './$types';

/**
 * The patient portal. Like the staff layout, this guard shapes navigation only; the page loads
 * and endpoints below check the actor themselves.
 */
export const load: LayoutServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const clinic = await getClinic(getRuntime().database.db);
	return {
		actor: { displayName: actor.displayName, role: actor.role },
		clinic: { name: clinic?.name ?? 'ClinicSync', timeZone: clinic?.timeZone ?? 'UTC' }
	};
};
