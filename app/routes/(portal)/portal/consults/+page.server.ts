import { redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { listOpenConsultsForAgent } from '$lib/server/consults/consults';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** The video visits open now for the patients this person acts for (themself, or as a proxy). */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const open = await listOpenConsultsForAgent(getRuntime().database.db, actor);
	return {
		consults: open.map((c) => ({
			id: c.consult.id,
			status: c.consult.status,
			patientName: c.patientName,
			practitionerName: c.practitionerName,
			startsAt: c.appointmentStartsAt?.toISOString() ?? null
		}))
	};
};
