import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { listPlans } from '$lib/server/plans/plans';
import { listAgentPatients } from '$lib/server/sharing/agent-patients';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/**
 * The treatment plans of a patient, for the patient or a proxy whose grant carries the records
 * scope (the plan is part of the clinical record). A proxy picks the person with ?patient=.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const people = await listAgentPatients(db, actor, 'records');
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	if (!patientId) return { people, patient: null, plans: null };
	try {
		const plans = await listPlans(db, actor, patientId);
		return { people, patient: people.find((p) => p.patientId === patientId) ?? null, plans };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no health record at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot see the treatment plans of this health record. If you think you should, contact the clinic.');
		throw cause;
	}
};
