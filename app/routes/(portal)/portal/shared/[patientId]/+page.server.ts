import { error, redirect } from '@sveltejs/kit';
import { isExternal } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { sharePartLabels } from '$lib/server/sharing/record-shares';
import { getSharedRecord } from '$lib/server/sharing/shared-records';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** One record shared with an outside person: only the shared parts; one audited access decision. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isExternal(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no shared record at this address.');
	try {
		const record = await getSharedRecord(getRuntime().database.db, actor, params.patientId);
		return { record, partLabels: record.parts.map((p) => sharePartLabels[p]) };
	} catch (cause) {
		// Not shared, no longer shared and no such patient look the same from outside.
		if (cause instanceof AccessDenied || cause instanceof NotFound) error(403, 'This record is not shared with you, or sharing has ended.');
		throw cause;
	}
};
