import { clientAddress } from '$lib/server/http/request-context';
import { getRuntime } from '$lib/server/platform/runtime';
import { readCalendarFeed } from '$lib/server/reminders/calendar-feed';
import type { RequestHandler } from './$types';

/** GET /api/schedule/feeds/<token> — a provider's calendar as text/calendar, for calendar apps (no session; the token is the key). */
export const GET: RequestHandler = async (event) => {
	const token = event.params.token.replace(/\.ics$/, '');
	const ics = await readCalendarFeed(getRuntime().database.db, token, { sourceAddress: clientAddress(event) });
	if (ics === null) return new Response('No calendar feed at this address. It may have been replaced by a newer one.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
	return new Response(ics, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': 'inline; filename="clinicsync.ics"',
			'cache-control': 'private, no-store'
		}
	});
};
