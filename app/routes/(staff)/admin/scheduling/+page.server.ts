import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { listAppointmentTypes, saveAppointmentType } from '$lib/server/scheduling/appointment-types';
import { getSchedulingSettings, updateSchedulingSettings } from '$lib/server/scheduling/settings';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseFormData } from '$lib/server/http/validation';
import { actionActor, attemptChange, listAllProviders, manageRefusal, requireScheduleManager } from './scheduling-admin.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	requireScheduleManager(locals);
	const { db } = getRuntime().database;
	const [types, settings, providers] = await Promise.all([listAppointmentTypes(db, { includeInactive: true }), getSchedulingSettings(db), listAllProviders(db)]);
	return {
		types: types.map((t) => ({ id: t.id, name: t.name, modality: t.modality, durationMinutes: t.durationMinutes, bufferMinutes: t.bufferMinutes, description: t.description, portalBookable: t.portalBookable, active: t.active })),
		settings: {
			emailLeadHours: settings.emailLeadHours,
			smsLeadHours: settings.smsLeadHours,
			responseDeadlineHours: settings.responseDeadlineHours,
			slotStepMinutes: settings.slotStepMinutes,
			bookingHorizonDays: settings.bookingHorizonDays,
			minimumNoticeHours: settings.minimumNoticeHours
		},
		providers,
		saved: url.searchParams.get('saved')
	};
};

const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean());
const whole = (message: string) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number({ error: message }).int(message));
const typeForm = z.object({
	id: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid('That appointment type could not be found.').optional()),
	name: z.string({ error: 'Give the appointment type a name.' }).trim().min(2, 'Give the appointment type a name of 2 to 80 characters.').max(80, 'Give the appointment type a name of 2 to 80 characters.'),
	modality: z.enum(['in_person', 'telehealth'], { error: 'Choose in person or telehealth.' }),
	durationMinutes: whole('The duration must be a whole number of minutes from 5 to 480.'),
	bufferMinutes: whole('The buffer must be a whole number of minutes from 0 to 240.'),
	description: z.preprocess((v) => v ?? '', z.string().max(500, 'Keep the description under 500 characters.')),
	portalBookable: checkbox,
	active: checkbox
});
/** "24, 48" → [24, 48]; empty → []. */
const hoursList = (label: string) =>
	z.preprocess(
		(v) => (typeof v === 'string' ? v : ''),
		z
			.string()
			.max(40, `${label}: up to four numbers of hours, separated by commas.`)
			.regex(/^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$/, `${label}: whole numbers of hours separated by commas, like 24, 48.`)
			.transform((s) => (s.trim() === '' ? [] : s.split(',').map((n) => Number(n.trim()))))
	);
const settingsForm = z.object({
	emailLeadHours: hoursList('Email reminders'),
	smsLeadHours: hoursList('Text message reminders'),
	responseDeadlineHours: whole('The response deadline must be a whole number of hours.'),
	slotStepMinutes: whole('Choose how often slots start.'),
	bookingHorizonDays: whole('The booking horizon must be a whole number of days.'),
	minimumNoticeHours: whole('The minimum notice must be a whole number of hours.')
});

export const actions: Actions = {
	saveType: async ({ locals, request }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'type', error: manageRefusal });
		const form = await parseFormData(request, typeForm);
		if (!form.ok) return fail(400, { form: 'type', error: Object.values(form.errors)[0] ?? 'Some fields need attention.', values: form.values });
		const outcome = await attemptChange('type', () => saveAppointmentType(getRuntime().database.db, actor, form.data));
		if (!outcome.ok) return outcome.failure;
		redirect(303, `/admin/scheduling?saved=type#types`);
	},
	saveSettings: async ({ locals, request }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'settings', error: manageRefusal });
		const form = await parseFormData(request, settingsForm);
		if (!form.ok) return fail(400, { form: 'settings', error: Object.values(form.errors)[0] ?? 'Some fields need attention.', values: form.values });
		const outcome = await attemptChange('settings', () => updateSchedulingSettings(getRuntime().database.db, actor, form.data));
		if (!outcome.ok) return outcome.failure;
		redirect(303, `/admin/scheduling?saved=settings#settings`);
	}
};
