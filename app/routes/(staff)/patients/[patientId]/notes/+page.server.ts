import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { fields } from '$lib/server/http/validation';
import { listNoteEncounters } from '$lib/server/notes/encounter-notes';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');

	const { db } = getRuntime().database;
	try {
		return await listNoteEncounters(db, actor, params.patientId);
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'Clinical notes are visible to the patient’s care team.');
		throw cause;
	}
};
