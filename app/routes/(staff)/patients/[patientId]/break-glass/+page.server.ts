import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isClinician, isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { BreakGlassNotNeeded, InvalidBreakGlass, breakGlass, breakGlassReasonMax, breakGlassReasonMin, endBreakGlass } from '$lib/server/access/break-glass';
import { getPatientOverview } from '$lib/server/patients/overview';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * Break the glass: the form a physician or nurse outside the care team fills in to open the
 * whole chart in an emergency. The chart page shows the same form; without JavaScript its post
 * lands here, and this page shows any error.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');
	if (!isClinician(actor)) error(403, 'Only physicians and nurses can use emergency access.');
	try {
		const overview = await getPatientOverview(getRuntime().database.db, actor, params.patientId);
		if (overview.parts.includes('clinical')) redirect(303, `/patients/${params.patientId}`);
		const { givenName, familyName, mrn } = overview.demographics;
		return { patient: { id: overview.patientId, givenName, familyName, mrn }, reasonMin: breakGlassReasonMin, reasonMax: breakGlassReasonMax };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'You do not have access to this patient’s record.');
		throw cause;
	}
};

const breakGlassSchema = z.object({
	reason: z
		.string({ error: 'Say why you need this record now.' })
		.trim()
		.min(breakGlassReasonMin, `Say why you need this record now, in at least ${breakGlassReasonMin} characters.`)
		.max(breakGlassReasonMax, `Keep the reason under ${breakGlassReasonMax} characters.`),
	confirm: z.literal('on', { error: 'Confirm that this is an emergency and that your access will be reviewed.' })
});

export const actions: Actions = {
	open: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) return fail(403, { errors: { form: 'Emergency access is for clinic staff.' }, values: {} });
		if (!fields.uuid.safeParse(params.patientId).success) return fail(404, { errors: { form: 'There is no patient at this address.' }, values: {} });
		const form = await parseFormData(request, breakGlassSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: { reason: form.values.reason ?? '' } });
		try {
			await breakGlass(getRuntime().database.db, actor, params.patientId, { reason: form.data.reason, confirmed: form.data.confirm === 'on' });
		} catch (cause) {
			if (cause instanceof InvalidBreakGlass) return fail(400, { errors: { [cause.field]: cause.message }, values: { reason: form.data.reason } });
			if (cause instanceof BreakGlassNotNeeded) redirect(303, `/patients/${params.patientId}`);
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: cause.message }, values: { reason: form.data.reason } });
			if (cause instanceof NotFound) return fail(404, { errors: { form: 'This patient no longer exists.' }, values: {} });
			throw cause;
		}
		redirect(303, `/patients/${params.patientId}`);
	},
	end: async ({ locals, params }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) return fail(403, { errors: { form: 'Emergency access is for clinic staff.' }, values: {} });
		if (!fields.uuid.safeParse(params.patientId).success) return fail(404, { errors: { form: 'There is no patient at this address.' }, values: {} });
		await endBreakGlass(getRuntime().database.db, actor, params.patientId);
		redirect(303, `/patients/${params.patientId}`);
	}
};
