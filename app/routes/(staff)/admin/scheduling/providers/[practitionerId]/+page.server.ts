import { error, fail, redirect } from '@sveltejs/kit';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { addException, listExceptions, listWeeklyHours, removeException, setWeeklyHours, type WeeklyHoursRule } from '$lib/server/scheduling/availability';
import { isUuid } from '$lib/server/scheduling/appointment-types';
import { clinicTimeZone } from '$lib/server/scheduling/settings';
import { clockToMinutes, isValidTimeZone, minutesToClock } from '$lib/server/scheduling/time';
import { hasCalendarFeed, issueCalendarFeed } from '$lib/server/reminders/calendar-feed';
import { listLocations } from '$lib/server/clinic/clinic';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseFormData } from '$lib/server/http/validation';
import { actionActor, attemptChange, listAllProviders, manageRefusal, requireScheduleManager } from '../../scheduling-admin.server';
import type { Actions, PageServerLoad } from './$types';

/**
 * One provider's availability: weekly hours per location and zone, blocks and extra hours,
 * and their private calendar feed. Forms post plainly; the weekly hours are saved as a whole
 * (setWeeklyHours replaces them), so a half-edited table never leaves half the rows changed.
 */

export const load: PageServerLoad = async ({ locals, params, url }) => {
	requireScheduleManager(locals);
	if (!isUuid(params.practitionerId)) error(404, 'There is no such provider.');
	const { db } = getRuntime().database;
	const provider = (await listAllProviders(db)).find((p) => p.id === params.practitionerId);
	if (!provider) error(404, 'There is no such provider.');
	const zone = await clinicTimeZone(db);
	const now = DateTime.now().setZone(zone);
	const [rules, exceptions, locations, feed] = await Promise.all([
		listWeeklyHours(db, provider.id),
		listExceptions(db, provider.id, now.minus({ days: 1 }).toJSDate(), now.plus({ days: 366 }).toJSDate()),
		listLocations(db),
		hasCalendarFeed(db, provider.id)
	]);
	return {
		provider,
		clinicZone: zone,
		zoneAbbreviation: now.toFormat('ZZZZ'),
		timeZones: Intl.supportedValuesOf('timeZone'),
		locations: locations.map((l) => ({ id: l.id, name: l.name, timeZone: l.timeZone })),
		rules: rules.map((r) => ({
			weekday: r.weekday,
			start: minutesToClock(r.startMinute),
			end: minutesToClock(r.endMinute),
			locationId: r.locationId,
			timeZone: r.timeZone,
			inPerson: r.modalities.includes('in_person'),
			telehealth: r.modalities.includes('telehealth'),
			validFrom: r.validFrom ?? '',
			validUntil: r.validUntil ?? ''
		})),
		exceptions: exceptions.map((e) => ({
			id: e.id,
			kind: e.kind,
			category: e.category,
			locationId: e.locationId,
			startsAt: e.startsAt.toISOString(),
			endsAt: e.endsAt.toISOString(),
			reason: e.reason
		})),
		hasFeed: feed,
		saved: url.searchParams.get('saved')
	};
};

/** Reads the rows of the hours table: weekday_<i>, start_<i>, end_<i>, location_<i>, zone_<i>, inPerson_<i>, telehealth_<i>, from_<i>, until_<i>, remove_<i>. */
function readRows(form: FormData): { rules: WeeklyHoursRule[] } | { error: string } {
	const indexes = new Set<number>();
	for (const key of form.keys()) {
		const match = /^weekday_(\d{1,3})$/.exec(key);
		if (match) indexes.add(Number(match[1]));
	}
	if (indexes.size > 100) return { error: 'That is too many rows of hours for one provider.' };
	const rules: WeeklyHoursRule[] = [];
	for (const i of [...indexes].sort((a, b) => a - b)) {
		const get = (name: string) => {
			const value = form.get(`${name}_${i}`);
			return typeof value === 'string' ? value.trim() : '';
		};
		if (get('remove') === 'on') continue;
		const weekday = get('weekday');
		const start = get('start');
		const end = get('end');
		// A blank row (the spare one at the end) is not a rule.
		if (weekday === '' && start === '' && end === '') continue;
		const row = `Row ${rules.length + 1}`;
		if (!/^[1-7]$/.test(weekday)) return { error: `${row}: choose a day of the week.` };
		const startMinute = clockToMinutes(start);
		const endMinute = clockToMinutes(end);
		if (startMinute === null || endMinute === null) return { error: `${row}: give the start and end like 09:00 and 17:30.` };
		const zone = get('zone');
		if (zone && !isValidTimeZone(zone)) return { error: `${row}: choose a time zone from the list.` };
		const modalities = [...(get('inPerson') === 'on' ? (['in_person'] as const) : []), ...(get('telehealth') === 'on' ? (['telehealth'] as const) : [])];
		if (modalities.length === 0) return { error: `${row}: choose in person, telehealth or both.` };
		const dateOk = (d: string) => d === '' || /^\d{4}-\d{2}-\d{2}$/.test(d);
		if (!dateOk(get('from')) || !dateOk(get('until'))) return { error: `${row}: give dates like 2026-03-09.` };
		rules.push({
			weekday: Number(weekday),
			startMinute,
			endMinute,
			locationId: get('location'),
			timeZone: zone || undefined,
			modalities,
			validFrom: get('from') || null,
			validUntil: get('until') || null
		});
	}
	return { rules };
}

const localDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const exceptionForm = z.object({
	kind: z.enum(['block', 'extra'], { error: 'Choose a block or extra hours.' }),
	category: z.enum(['personal', 'professional', 'other'], { error: 'Choose personal, professional or other.' }),
	locationId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid('Choose a location.').optional()),
	startsAt: z.string({ error: 'Give the start.' }).regex(localDateTime, 'Give the start as a date and time.'),
	endsAt: z.string({ error: 'Give the end.' }).regex(localDateTime, 'Give the end as a date and time.'),
	reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'Keep the reason under 500 characters.'))
});
const removeForm = z.object({ id: z.string({ error: 'Choose a block to remove.' }).uuid('Choose a block to remove.') });

export const actions: Actions = {
	saveHours: async ({ locals, params, request }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'hours', error: manageRefusal });
		if (!isUuid(params.practitionerId)) error(404, 'There is no such provider.');
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, { form: 'hours', error: 'The form could not be read. Reload the page and try again.' });
		}
		// An empty or foreign post must not read as "no hours at all" and wipe them.
		if (form.get('hoursTable') !== '1') return fail(400, { form: 'hours', error: 'The form could not be read. Reload the page and try again.' });
		const rows = readRows(form);
		if ('error' in rows) return fail(400, { form: 'hours', error: rows.error });
		const outcome = await attemptChange('hours', () => setWeeklyHours(getRuntime().database.db, actor, params.practitionerId, rows.rules));
		if (!outcome.ok) return outcome.failure;
		redirect(303, `/admin/scheduling/providers/${params.practitionerId}?saved=hours#hours`);
	},
	addException: async ({ locals, params, request }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'exception', error: manageRefusal });
		if (!isUuid(params.practitionerId)) error(404, 'There is no such provider.');
		const form = await parseFormData(request, exceptionForm);
		if (!form.ok) return fail(400, { form: 'exception', error: Object.values(form.errors)[0] ?? 'Some fields need attention.', values: form.values });
		const { db } = getRuntime().database;
		// The times are read in the clinic's zone, as the form says.
		const zone = await clinicTimeZone(db);
		const at = (local: string) => DateTime.fromISO(local, { zone }).toJSDate();
		const outcome = await attemptChange('exception', () =>
			addException(db, actor, { practitionerId: params.practitionerId, kind: form.data.kind, category: form.data.category, locationId: form.data.locationId ?? null, startsAt: at(form.data.startsAt), endsAt: at(form.data.endsAt), reason: form.data.reason })
		);
		if (!outcome.ok) return outcome.failure;
		redirect(303, `/admin/scheduling/providers/${params.practitionerId}?saved=exception#exceptions`);
	},
	removeException: async ({ locals, params, request }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'exception', error: manageRefusal });
		if (!isUuid(params.practitionerId)) error(404, 'There is no such provider.');
		const form = await parseFormData(request, removeForm);
		if (!form.ok) return fail(400, { form: 'exception', error: Object.values(form.errors)[0] ?? 'Choose a block to remove.' });
		const outcome = await attemptChange('exception', () => removeException(getRuntime().database.db, actor, form.data.id));
		if (!outcome.ok) return outcome.failure;
		redirect(303, `/admin/scheduling/providers/${params.practitionerId}?saved=removed#exceptions`);
	},
	issueFeed: async ({ locals, params }) => {
		const actor = actionActor(locals);
		if (!actor) return fail(403, { form: 'feed', error: manageRefusal });
		if (!isUuid(params.practitionerId)) error(404, 'There is no such provider.');
		const outcome = await attemptChange('feed', () => issueCalendarFeed(getRuntime().database.db, actor, params.practitionerId));
		if (!outcome.ok) return outcome.failure;
		// Shown once, in this answer only: the address is the key, and only its hash is kept.
		return { form: 'feed', feedUrl: outcome.value.url };
	}
};
