import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { getConsultView } from '$lib/server/consults/consults';
import { roleMayAnnotate } from '$lib/server/consults/settings';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

// Another patient's visit reads exactly like no visit: patients never learn of each other.
const noVisit = 'There is no video visit at this address. Open it from your appointments.';

export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, `/consults/${encodeURIComponent(params.consultId)}`);
	const { db } = getRuntime().database;
	try {
		const view = await getConsultView(db, actor, params.consultId);
		return {
			consult: {
				id: view.consult.id,
				status: view.consult.status,
				patientName: view.patientName,
				practitionerName: view.practitionerName,
				startsAt: view.appointmentStartsAt?.toISOString() ?? null
			},
			canAnnotate: await roleMayAnnotate(db, actor.role),
			user: { id: actor.userId, name: actor.displayName }
		};
	} catch (cause) {
		if (cause instanceof NotFound || cause instanceof AccessDenied) error(404, noVisit);
		throw cause;
	}
};
