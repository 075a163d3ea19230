import { error, fail, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { clinicSettingsSchema, getClinicSettings, mfaFieldName, updateClinicSettings } from '$lib/server/admin/clinic-settings';
import { requireClinicManager } from '$lib/server/admin/guard';
import { roleOptions } from '$lib/server/admin/role-labels';
import { maxIdleTimeoutMinutes, minIdleTimeoutMinutes } from '$lib/server/auth/idle-timeout';
import { languageNames } from '$lib/server/clinic/setup';
import { parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	try {
		const settings = await getClinicSettings(getRuntime().database.db, actor);
		return {
			settings,
			saved: url.searchParams.get('saved') === '1',
			timeZones: Intl.supportedValuesOf('timeZone'),
			languages: Object.entries(languageNames).map(([code, name]) => ({ code, name })),
			mfaRoles: roleOptions.map(({ value, label }) => ({ role: value, field: mfaFieldName(value), label, staff: isStaff({ role: value }) })),
			idleLimits: { min: minIdleTimeoutMinutes, max: maxIdleTimeoutMinutes }
		};
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can change clinic settings.');
		throw cause;
	}
};

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const { db } = getRuntime().database;
		try {
			await requireClinicManager(db, actor, 'clinic.settings_change');
		} catch (cause) {
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'Only clinic administrators can change clinic settings.' }, values: {} });
			throw cause;
		}
		const form = await parseFormData(request, clinicSettingsSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		await updateClinicSettings(db, actor, form.data);
		redirect(303, '/admin/settings?saved=1');
	}
};
