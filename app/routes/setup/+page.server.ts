import { fail, redirect } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/platform/runtime';
import { isClinicSetUp } from '$lib/server/clinic/clinic';
import { ClinicAlreadySetUp, clinicSetupSchema, languageNames, setUpClinic } from '$lib/server/clinic/setup';
import { loadDemo } from '$lib/server/clinic/demo';
import { parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
	if (await isClinicSetUp(getRuntime().database.db)) redirect(303, '/sign-in');
	return {
		timeZones: Intl.supportedValuesOf('timeZone'),
		languages: Object.entries(languageNames).map(([code, name]) => ({ code, name }))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const { database } = getRuntime();
		const form = await parseFormData(event.request, clinicSetupSchema);
		if (!form.ok) return fail(400, { action: 'create', errors: form.errors, values: form.values });
		try {
			await setUpClinic(database.db, form.data, { sourceAddress: clientAddress(event), requestId: event.locals.requestId });
		} catch (error) {
			if (error instanceof ClinicAlreadySetUp) return fail(409, { action: 'create', errors: { form: error.message }, values: form.values });
			throw error;
		}
		redirect(303, '/sign-in?setup=done');
	},
	demo: async (event) => {
		const { database, documentCipher } = getRuntime();
		const result = await loadDemo(database.db, { sourceAddress: clientAddress(event), requestId: event.locals.requestId }, documentCipher);
		if (!result.ok) return fail(409, { action: 'demo', errors: { form: result.message }, values: {} });
		redirect(303, '/sign-in?demo=loaded');
	}
};
