import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { roleMay } from '$lib/server/access/policy';
import { fieldErrorsOf, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import { capacityLimitSchema, capacityScopes, clearCapacityLimit, clinicToday, getUtilization, isoDay, listCapacityLimits, setCapacityLimit } from '$lib/server/scheduling/utilization';
import type { Actions, PageServerLoad } from './$types';

/** The live utilization dashboard: /schedule/capacity?date=YYYY-MM-DD (today in the clinic by default). */
export const load: PageServerLoad = async ({ locals, url, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	// Reloaded on a 'schedule:changed' notice (UtilizationBoard).
	depends('app:capacity');
	const { db } = getRuntime().database;
	const asked = url.searchParams.get('date');
	const parsed = asked === null || asked === '' ? null : isoDay.safeParse(asked);
	const problem = parsed && !parsed.success ? `${parsed.error.issues[0]?.message ?? 'That date could not be read.'} Showing today instead.` : null;
	try {
		const day = parsed?.success ? parsed.data : await clinicToday(db);
		const [utilization, limits] = await Promise.all([getUtilization(db, actor, { day }), listCapacityLimits(db, actor, { day })]);
		return {
			utilization,
			limits: limits.map((l) => ({ id: l.id, scope: l.scope, scopeKey: l.scopeKey, targetId: l.locationId ?? l.practitionerId, day: l.day, maxAppointments: l.maxAppointments, maxBookedMinutes: l.maxBookedMinutes, warnAtPercent: l.warnAtPercent })),
			today: await clinicToday(db),
			problem,
			mayManage: roleMay(actor.role, 'schedule.manage')
		};
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Your role does not allow viewing the clinic’s capacity.');
		throw cause;
	}
};

const clearSchema = z.object({
	scope: z.enum(capacityScopes, { error: 'Choose which threshold to remove.' }),
	targetId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().uuid('Choose which threshold to remove.').nullable()),
	day: z.preprocess((v) => (v === '' || v === undefined ? null : v), isoDay.nullable())
});

/** The form's shape: one "applies to" choice and "this day" or "every day". */
const limitFormSchema = z.object({
	target: z.string({ error: 'Choose what the threshold applies to.' }).regex(/^(clinic|(location|practitioner):[0-9a-f-]{36})$/i, 'Choose what the threshold applies to.'),
	when: z.enum(['day', 'standing'], { error: 'Choose one day or every day.' }).default('day'),
	dayFor: isoDay,
	maxAppointments: z.string().max(12).default(''),
	maxBookedMinutes: z.string().max(12).default(''),
	warnAtPercent: z.string().max(12).default('')
});

async function guarded<T>(run: () => Promise<T>) {
	try {
		return await run();
	} catch (cause) {
		if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'Your role does not allow changing capacity thresholds.' }, values: {} });
		if (cause instanceof NotFound) return fail(404, { errors: { form: `${cause.message} Reload the page and try again.` }, values: {} });
		throw cause;
	}
}

export const actions: Actions = {
	setLimit: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const { db } = getRuntime().database;
		// A role that may not manage is refused (and audited) before its input is read.
		if (!roleMay(actor.role, 'schedule.manage')) return guarded(() => setCapacityLimit(db, actor, {} as never));
		const form = await parseFormData(request, limitFormSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		const [scope, targetId] = form.data.target === 'clinic' ? ['clinic', null] : form.data.target.split(':');
		const limit = capacityLimitSchema.safeParse({
			scope,
			targetId,
			day: form.data.when === 'standing' ? null : form.data.dayFor,
			maxAppointments: form.data.maxAppointments,
			maxBookedMinutes: form.data.maxBookedMinutes,
			warnAtPercent: form.data.warnAtPercent
		});
		if (!limit.success) return fail(400, { errors: fieldErrorsOf(limit.error), values: form.values });
		return guarded(async () => {
			await setCapacityLimit(db, actor, limit.data);
			return { saved: 'The threshold is saved. It applies to the next booking.' };
		});
	},
	clearLimit: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const { db } = getRuntime().database;
		const form = await parseFormData(request, clearSchema);
		if (!roleMay(actor.role, 'schedule.manage')) return guarded(() => clearCapacityLimit(db, actor, { scope: 'clinic', targetId: null, day: null }));
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		return guarded(async () => {
			const removed = await clearCapacityLimit(db, actor, form.data);
			return { saved: removed ? 'The threshold is removed.' : 'That threshold was already removed.' };
		});
	}
};
