import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { localDateOf, localTimeOf, zonedInstant } from '$lib/server/plans/clinic-time';
import { InvalidPlanInput, clinicTimeZone, getPlanTracker, recordDose, recordReading } from '$lib/server/plans/plans';
import { parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * A treatment plan in the portal: the plan itself arrives live over the collaboration socket
 * (read-only for the patient and a records proxy); this page records doses and readings.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	try {
		const now = new Date();
		const tracker = await getPlanTracker(db, actor, params.planId, now);
		return {
			tracker,
			me: { userId: actor.userId, name: actor.displayName },
			self: actor.role === 'patient',
			// The reading form's default: now, on the clinic's clocks.
			nowLocal: { date: localDateOf(now, tracker.timeZone), time: localTimeOf(now, tracker.timeZone) }
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no treatment plan at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot see this treatment plan. If you think you should, contact the clinic.');
		throw cause;
	}
};

const doseForm = z.object({ scheduleItemId: z.string().default(''), scheduledFor: z.string().default(''), status: z.string().default('') });
const readingForm = z.object({
	goalId: z.string().default(''),
	value: z.string().default(''),
	measuredDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose the day you measured.'),
	measuredTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Enter the time you measured, like 08:30.')
});

function refusal(cause: unknown, form: 'dose' | 'reading', values: Record<string, string>) {
	if (cause instanceof InvalidPlanInput) return fail(400, { [form]: { errors: { [cause.field]: cause.message }, values } });
	if (cause instanceof AccessDenied) return fail(403, { [form]: { errors: { form: 'You cannot record on this plan.' }, values } });
	if (cause instanceof NotFound) return fail(404, { [form]: { errors: { form: 'This plan is no longer available.' }, values } });
	throw cause;
}

export const actions: Actions = {
	dose: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		// This page is the patient's (and their proxies'); staff and outside people are refused.
		if (!isPortalUser(actor)) return fail(403, { dose: { errors: { form: 'Only the patient, or someone they gave access to, records doses here.' }, values: {} } });
		const form = await parseFormData(request, doseForm);
		if (!form.ok) return fail(400, { dose: { errors: form.errors, values: form.values } });
		try {
			await recordDose(getRuntime().database.db, actor, params.planId, form.data);
			return { dose: { recorded: form.data.status === 'taken' ? 'Dose recorded as taken.' : 'Dose recorded as skipped.' } };
		} catch (cause) {
			return refusal(cause, 'dose', form.values);
		}
	},
	reading: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { reading: { errors: { form: 'Only the patient, or someone they gave access to, records readings here.' }, values: {} } });
		const form = await parseFormData(request, readingForm);
		if (!form.ok) return fail(400, { reading: { errors: form.errors, values: form.values } });
		const { db } = getRuntime().database;
		try {
			const measuredAt = zonedInstant(form.data.measuredDate, form.data.measuredTime, await clinicTimeZone(db));
			await recordReading(db, actor, params.planId, { goalId: form.data.goalId, value: form.data.value.replace(',', '.'), measuredAt });
			return { reading: { recorded: form.data.goalId } };
		} catch (cause) {
			return refusal(cause, 'reading', form.values);
		}
	}
};
