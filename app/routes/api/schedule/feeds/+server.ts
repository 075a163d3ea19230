import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { isStaff } from '$lib/server/access/actor';
import { parseJsonBody } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import { issueCalendarFeed } from '$lib/server/reminders/calendar-feed';
import type { RequestHandler } from './$types';

const issueSchema = z.object({ practitionerId: z.string({ error: 'Choose a provider.' }).uuid('Choose a provider.') });

/**
 * POST /api/schedule/feeds { practitionerId } — makes a new private calendar feed for the
 * provider (revoking the old one) and answers `{ url }`. The provider themself or schedulers.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return json({ error: 'Sign in first.' }, { status: 401 });
	if (!isStaff(actor)) return json({ error: 'Calendar feeds are for clinic staff.' }, { status: 403 });
	const body = await parseJsonBody(request, issueSchema);
	if (!body.ok) return json({ error: 'Choose a provider.', errors: body.errors }, { status: 400 });
	try {
		return json(await issueCalendarFeed(getRuntime().database.db, actor, body.data.practitionerId), { headers: { 'cache-control': 'no-store' } });
	} catch (error) {
		if (error instanceof AccessDenied) return json({ error: error.message }, { status: 403 });
		if (error instanceof NotFound) return json({ error: error.message }, { status: 404 });
		throw error;
	}
};
