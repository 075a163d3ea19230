import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isClinician, isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizePatient } from '$lib/server/access/patient-access';
import { loadDemographics } from '$lib/server/patients/record-parts';
import { InvalidPlanInput, clinicTimeZone, createPlan, listPlans, planTitleMax } from '$lib/server/plans/plans';
import { localDateOf } from '$lib/server/plans/clinic-time';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/** A patient's treatment plans, and the form that starts one (clinicians on the care team). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');
	const { db } = getRuntime().database;
	try {
		const plans = await listPlans(db, actor, params.patientId);
		const access = await authorizePatient(db, actor, params.patientId, { action: 'patient.view', require: ['demographics'] });
		const { id, givenName, familyName, mrn } = await loadDemographics(db, access);
		return {
			patient: { id, givenName, familyName, mrn },
			plans,
			canCreate: isClinician(actor),
			today: localDateOf(new Date(), await clinicTimeZone(db)),
			titleMax: planTitleMax
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'Treatment plans are open to the patient’s care team.');
		throw cause;
	}
};

const createSchema = z.object({ title: z.string().default(''), startDate: z.string().default('') });

export const actions: Actions = {
	create: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!fields.uuid.safeParse(params.patientId).success) return fail(404, { errors: { form: 'There is no patient at this address.' }, values: {} });
		const form = await parseFormData(request, createSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		let planId: string;
		try {
			planId = (await createPlan(getRuntime().database.db, actor, params.patientId, form.data)).id;
		} catch (cause) {
			if (cause instanceof InvalidPlanInput) return fail(400, { errors: { [cause.field]: cause.message }, values: form.values });
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: cause.message }, values: form.values });
			if (cause instanceof NotFound) return fail(404, { errors: { form: 'This patient no longer exists.' }, values: {} });
			throw cause;
		}
		redirect(303, `/patients/${params.patientId}/plans/${planId}`);
	}
};
