import { error, fail, redirect } from '@sveltejs/kit';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { analyticsFilterOptions, monthlyReport, scheduleAnalytics } from '$lib/server/scheduling/analytics';
import { NotEnoughHistory, noShowModelSummary, trainNoShowModel } from '$lib/server/scheduling/no-show-model';
import { parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

const isoDate = (message: string) =>
	z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, message).refine((v) => DateTime.fromISO(v).isValid, message).optional());

const filterSchema = z
	.object({
		from: isoDate('Give the first day as a date, like 2026-01-01.'),
		to: isoDate('Give the last day as a date, like 2026-06-30.'),
		provider: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid('That provider could not be found; showing every provider.').optional()),
		by: z.preprocess((v) => (v === '' || v === undefined ? 'month' : v), z.enum(['week', 'month'], { error: 'Group by week or by month.' }))
	})
	.refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'The first day must come before the last day.', path: ['to'] })
	.refine((f) => !f.from || !f.to || DateTime.fromISO(f.to).diff(DateTime.fromISO(f.from), 'years').years <= 3, {
		message: 'Choose a range of at most three years.',
		path: ['to']
	});

/** Scheduling analytics for clinic administrators: filters in the address, charts, the monthly report and the no-show model. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	const { db } = getRuntime().database;
	let options;
	try {
		// First on its own: a refusal is audited once.
		options = await analyticsFilterOptions(db, actor);
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Scheduling analytics are for clinic administrators.');
		throw cause;
	}
	const zone = options.timeZone;
	const today = DateTime.now().setZone(zone).startOf('day');
	const defaults = { from: today.minus({ months: 11 }).startOf('month').toISODate()!, to: today.toISODate()! };
	const parsed = parseSearchParams(url.searchParams, filterSchema);
	const errors = parsed.ok ? {} : parsed.errors;
	const filters = parsed.ok
		? { from: parsed.data.from ?? defaults.from, to: parsed.data.to ?? defaults.to, provider: parsed.data.provider ?? '', by: parsed.data.by }
		: { ...defaults, provider: '', by: 'month' as const };
	const provider = options.practitioners.some((p) => p.id === filters.provider) ? filters.provider : '';
	const range = {
		from: DateTime.fromISO(filters.from, { zone }).startOf('day').toJSDate(),
		to: DateTime.fromISO(filters.to, { zone }).plus({ days: 1 }).startOf('day').toJSDate(),
		practitionerId: provider || null
	};
	const analytics = await scheduleAnalytics(db, actor, { ...range, granularity: filters.by });
	const report = await monthlyReport(db, actor, range);
	const model = await noShowModelSummary(db, actor);
	return {
		options,
		values: { ...filters, provider },
		errors: errors as Record<string, string>,
		analytics,
		report,
		model
	};
};

export const actions: Actions = {
	/** Trains the no-show model on the clinic's history now (a few seconds); the page then shows its AUC. */
	train: async ({ locals }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		try {
			const model = await trainNoShowModel(getRuntime().database.db, actor);
			return { trained: { auc: model.auc, trainCount: model.trainCount, testCount: model.testCount } };
		} catch (cause) {
			if (cause instanceof AccessDenied) return fail(403, { trainError: 'Only clinic administrators can train the no-show model.' });
			if (cause instanceof NotEnoughHistory) return fail(409, { trainError: cause.message });
			throw cause;
		}
	}
};
