import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Role } from '../../../../../db/schema/index';
import type { Actor } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { roleMay } from '$lib/server/access/policy';
import { recordAuditEvent } from '$lib/server/audit/audit-log';
import { roleLabels } from '$lib/server/admin/role-labels';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { annotatingRoleChoices, getConsultSettings, updateConsultSettings } from '$lib/server/consults/settings';
import { parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/** Consult settings: waiting-room and call capacity, which roles may annotate shared reports, recording on or off. */

const refusal = 'Only clinic administrators can change video consult settings.';

function manager(locals: App.Locals): Actor | null {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	return roleMay(actor.role, 'consult.manage') ? actor : null;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = manager(locals);
	const { db } = getRuntime().database;
	if (!actor) {
		await recordAuditEvent(db, locals.actor!, { action: 'consult.settings_change', outcome: 'denied', resourceType: 'consult_settings', reason: 'role; opened the settings page' });
		error(403, refusal);
	}
	const settings = await getConsultSettings(db);
	return {
		settings: {
			waitingRoomCapacity: settings.waitingRoomCapacity,
			callCapacity: settings.callCapacity,
			annotateRoles: settings.annotateRoles,
			recordingEnabled: settings.recordingEnabled
		},
		roleChoices: annotatingRoleChoices.map((role) => ({ role, field: `annotate_${role}`, label: roleLabels[role] })),
		saved: url.searchParams.get('saved') === '1'
	};
};

const whole = (message: string) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number({ error: message }).int(message));
const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean());
const settingsForm = z.object({
	waitingRoomCapacity: whole('The waiting room holds a whole number of people, from 1 to 100.').pipe(z.number().min(1, 'The waiting room holds from 1 to 100 people.').max(100, 'The waiting room holds from 1 to 100 people.')),
	callCapacity: whole('A call has a whole number of people, from 2 to 4.').pipe(z.number().min(2, 'A call has from 2 to 4 people.').max(4, 'A call has from 2 to 4 people.')),
	recordingEnabled: checkbox,
	...Object.fromEntries(annotatingRoleChoices.map((role) => [`annotate_${role}`, checkbox]))
});

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const actor = manager(locals);
		const { db } = getRuntime().database;
		if (!actor) {
			await recordAuditEvent(db, locals.actor!, { action: 'consult.settings_change', outcome: 'denied', resourceType: 'consult_settings', reason: `role ${locals.actor!.role}` });
			return fail(403, { errors: { form: refusal } as Record<string, string>, values: {} as Record<string, string> });
		}
		const form = await parseFormData(request, settingsForm);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		const data = form.data as z.infer<typeof settingsForm> & Record<string, boolean>;
		const annotateRoles = annotatingRoleChoices.filter((role) => data[`annotate_${role}`] === true) as Role[];
		try {
			await updateConsultSettings(db, actor, { waitingRoomCapacity: data.waitingRoomCapacity, callCapacity: data.callCapacity, recordingEnabled: data.recordingEnabled, annotateRoles });
		} catch (cause) {
			if (cause instanceof ConsultRefusal) return fail(400, { errors: { form: cause.message } as Record<string, string>, values: form.values });
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: refusal } as Record<string, string>, values: {} as Record<string, string> });
			throw cause;
		}
		redirect(303, '/admin/consults?saved=1');
	}
};
