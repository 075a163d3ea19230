import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizePatient } from '$lib/server/access/patient-access';
import { loadDemographics } from '$lib/server/patients/record-parts';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/**
 * The live chart: the page only names the patient and the person; the chart itself comes over
 * the collaboration socket, which authorizes the document again (and decides read-only).
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');

	const { db } = getRuntime().database;
	try {
		const access = await authorizePatient(db, actor, params.patientId, { action: 'patient.view', require: ['clinical'], resourceType: 'chart' });
		const { id, mrn, givenName, familyName, birthDate, sex, preferredLanguage } = await loadDemographics(db, access);
		return {
			patient: { id, mrn, givenName, familyName, birthDate, sex, preferredLanguage },
			// The offline copy is kept per person; the name shows as "You" among those present.
			me: { userId: actor.userId, name: actor.displayName }
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'The live chart is open to the patient’s care team. You are not on it.');
		throw cause;
	}
};
