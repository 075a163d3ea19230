import { error, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { accountCounts } from '$lib/server/admin/accounts';
import { getClinicSettings } from '$lib/server/admin/clinic-settings';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** The administration start page: what needs attention, and the way to each admin page. */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { db } = getRuntime().database;
	try {
		// One after the other: a refusal is audited once, by the first.
		const counts = await accountCounts(db, actor);
		const settings = await getClinicSettings(db, actor);
		return { counts, idleTimeoutMinutes: settings.idleTimeoutMinutes, mfaRoleCount: settings.mfaRequiredRoles.length };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can open the administration pages.');
		throw cause;
	}
};
