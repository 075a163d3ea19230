import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { supportedLanguages } from '../../../../../../db/schema/clinic';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizeAgent } from '$lib/server/access/patient-access';
import { fieldErrorsOf, fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import { getReminderPreferences, PreferencesRefusal, updateReminderPreferences } from '$lib/server/reminders/reminder-preferences';
import { listAgentPatients } from '$lib/server/sharing/agent-patients';
import type { Actions, PageServerLoad } from './$types';

/**
 * Reminder preferences: how (email, text message), how long before the visit, and in which
 * language. The patient, or a proxy whose grant has the appointments scope (?patient= picks the
 * person). A plain form: works without JavaScript.
 */

const languageNames: Record<(typeof supportedLanguages)[number], string> = {
	en: 'English',
	es: 'Español (Spanish)',
	pt: 'Português (Portuguese)',
	fr: 'Français (French)',
	zh: '简体中文 (Simplified Chinese)'
};
const emailHourChoices = [72, 48, 24, 12, 4];
const smsHourChoices = [24, 12, 4, 2, 1];

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const people = await listAgentPatients(db, actor, 'appointments');
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no patient at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	const choices = { emailHours: emailHourChoices, smsHours: smsHourChoices, languages: supportedLanguages.map((value) => ({ value, label: languageNames[value] })) };
	if (!patientId) return { people, preferences: null, choices };
	try {
		return { people, preferences: await getReminderPreferences(db, actor, patientId), choices };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot change reminders for this person. If you think you should be able to, contact the clinic.');
		throw cause;
	}
};

const hoursField = z
	.string()
	.optional()
	.transform((v) => (v && v !== 'default' ? [Number(v)] : []))
	.pipe(z.array(z.number({ error: 'Choose a time from the list.' }).int('Choose a time from the list.').min(1, 'Choose a time from the list.').max(336, 'Choose a time from the list.')));

const preferencesForm = z.object({
	patientId: fields.uuid,
	email: z.string().optional().transform((v) => v === 'on'),
	sms: z.string().optional().transform((v) => v === 'on'),
	emailHours: hoursField,
	smsHours: hoursField,
	language: z.enum(supportedLanguages, { error: 'Choose a language from the list.' })
});

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor || !isPortalUser(actor)) return fail(403, { errors: { form: 'Sign in to the patient portal to change reminders.' } as Record<string, string> });
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, { errors: { form: 'The form could not be read. Reload the page and try again.' } as Record<string, string> });
		}
		const raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
		// Whose reminders, before anything else about the form: someone who may not act for this
		// patient learns nothing from the validation of the rest.
		const patient = fields.uuid.safeParse(raw.patientId);
		if (!patient.success) return fail(400, { errors: { form: 'Choose whose reminders to change.' } as Record<string, string> });
		try {
			await authorizeAgent(getRuntime().database.db, actor, patient.data, { action: 'reminder.preferences_change', scope: 'appointments', auditSuccess: false });
		} catch (cause) {
			if (cause instanceof NotFound) return fail(404, { errors: { form: 'There is no patient with that id.' } as Record<string, string> });
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'You cannot change reminders for this person.' } as Record<string, string> });
			throw cause;
		}
		const parsed = preferencesForm.safeParse(raw);
		if (!parsed.success) return fail(400, { errors: fieldErrorsOf(parsed.error) });
		const data = parsed.data;
		try {
			await updateReminderPreferences(getRuntime().database.db, actor, data.patientId, {
				email: data.email,
				sms: data.sms,
				emailLeadHours: data.emailHours,
				smsLeadHours: data.smsHours,
				language: data.language
			});
		} catch (cause) {
			if (cause instanceof PreferencesRefusal) return fail(400, { errors: { [cause.field]: cause.message } as Record<string, string> });
			if (cause instanceof NotFound) return fail(404, { errors: { form: 'There is no patient with that id.' } as Record<string, string> });
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'You cannot change reminders for this person.' } as Record<string, string> });
			throw cause;
		}
		return { saved: true };
	}
};
