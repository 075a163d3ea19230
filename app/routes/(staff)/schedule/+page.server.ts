import { error, redirect } from '@sveltejs/kit';
import { roleMay } from '$lib/server/access/policy';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseSearchParams } from '$lib/server/http/validation';
import { calendarParamsSchema } from '../../api/schedule/schedule-schemas';
import { loadCalendarView } from '../../api/schedule/calendar-view.server';
import { problemOf } from '../../api/schedule/schedule-http.server';
import type { PageServerLoad } from './$types';

/** The staff calendar: /schedule?view=day|week&practitioner=<id>&location=<id>&date=YYYY-MM-DD */
export const load: PageServerLoad = async ({ locals, url, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	// The page reloads this on a 'schedule:changed' notice for what it shows (LiveCalendar).
	depends('app:schedule');
	const params = parseSearchParams(url.searchParams, calendarParamsSchema);
	// A hand-edited address is the person's mistake: say what was off and show today's clinic day.
	const problem = params.ok ? null : Object.values(params.errors)[0] ?? 'The calendar address could not be read.';
	try {
		const calendar = await loadCalendarView(getRuntime().database.db, actor, params.ok ? params.data : { view: 'day' });
		return {
			calendar,
			problem: problem ?? calendar.notice,
			mayBook: roleMay(actor.role, 'schedule.book'),
			mayManage: roleMay(actor.role, 'schedule.manage'),
			ownPractitionerId: actor.practitionerId
		};
	} catch (cause) {
		const known = problemOf(cause);
		if (known) error(known.status, known.error);
		throw cause;
	}
};
