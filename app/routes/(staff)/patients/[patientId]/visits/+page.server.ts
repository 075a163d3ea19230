import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { listVisits, parseVisitFilter } from '$lib/server/consults/visit-history';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** A patient's visits, newest first, optionally between two clinic days (?from=&to=, a GET form). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');
	const { db } = getRuntime().database;
	const requested = { from: url.searchParams.get('from') ?? '', to: url.searchParams.get('to') ?? '' };
	let filterError: string | null = null;
	let filter = {};
	try {
		filter = parseVisitFilter(requested);
	} catch (cause) {
		if (!(cause instanceof ConsultRefusal)) throw cause;
		// A bad range shows every visit with the sentence beside the form, not an error page.
		filterError = cause.message;
	}
	try {
		const result = await listVisits(db, actor, params.patientId, filter);
		return { ...result, requested, filterError };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'Visit history is open to the patient’s care team.');
		throw cause;
	}
};
