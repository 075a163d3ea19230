import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isClinician, isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { addAddendum, getVisit, maxAddendumLength } from '$lib/server/consults/visit-history';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

const notFound = 'There is no visit at this address. Open the patient’s visit history instead.';

/** One visit: its note as stored, the consult's timeline, addenda (and the form), recordings. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.encounterId).success) error(404, notFound);
	try {
		const visit = await getVisit(getRuntime().database.db, actor, params.patientId, params.encounterId);
		return { ...visit, canAddAddendum: isClinician(actor), addendumMax: maxAddendumLength };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, notFound);
		if (cause instanceof AccessDenied) error(403, 'Visit history is open to the patient’s care team.');
		throw cause;
	}
};

const addendumSchema = z.object({ text: z.string().default('') });

export const actions: Actions = {
	addendum: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.encounterId).success) {
			return fail(404, { errors: { form: notFound }, values: {} });
		}
		const form = await parseFormData(request, addendumSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		try {
			await addAddendum(getRuntime().database.db, actor, params.patientId, params.encounterId, form.data.text);
		} catch (cause) {
			if (cause instanceof ConsultRefusal) return fail(cause.status, { errors: { text: cause.message }, values: form.values });
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: cause.message }, values: form.values });
			if (cause instanceof NotFound) return fail(404, { errors: { form: notFound }, values: {} });
			throw cause;
		}
		return { added: true };
	}
};
