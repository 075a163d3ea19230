import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { getPatientOverview, listPortalPatients } from '$lib/server/patients/overview';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** A patient's own record; a proxy picks one of the people they act for with ?patient=. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');

	const { db } = getRuntime().database;
	const people = await listPortalPatients(db, actor);
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	if (!patientId) return { people, overview: null };

	try {
		// Asked for by id even when not in `people`: the access module refuses it and the refusal is audited.
		const overview = await getPatientOverview(db, actor, patientId);
		return { people, overview };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no health record at this address.');
		if (cause instanceof AccessDenied) error(403, 'You do not have access to this health record. If you think you should, contact the clinic.');
		throw cause;
	}
};
