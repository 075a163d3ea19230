import { error, redirect } from '@sveltejs/kit';
import { documentName } from '$lib/collab/document-names';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { fields } from '$lib/server/http/validation';
import { getNoteEncounter } from '$lib/server/notes/encounter-notes';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

const noEncounter = 'There is no visit of this patient at this address. Choose one from the patient’s notes.';

export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');
	// Document names are lowercase UUIDs only: an upper-case spelling is not this note.
	if (!fields.uuid.safeParse(params.encounterId).success || params.encounterId !== params.encounterId.toLowerCase()) error(404, noEncounter);

	const { db } = getRuntime().database;
	try {
		const { patient, encounter } = await getNoteEncounter(db, actor, params.patientId, params.encounterId);
		return {
			patient,
			encounter,
			documentName: documentName({ kind: 'note', encounterId: encounter.id }),
			/** Names this person's offline copy; the caret label others see is stamped by the server. */
			author: { userId: actor.userId, name: actor.displayName }
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, noEncounter);
		if (cause instanceof AccessDenied) error(403, 'Clinical notes are visible to the patient’s care team.');
		throw cause;
	}
};
