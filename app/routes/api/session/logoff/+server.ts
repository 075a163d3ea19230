import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { recordAuditEvent } from '$lib/server/audit/audit-log';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { idleTimeoutMinutes } from '$lib/server/auth/idle-timeout';
import { invalidateSession } from '$lib/server/auth/session';
import { badRequest, parseJsonBody } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

const logoffSchema = z.object({ reason: z.literal('idle', { error: 'The only reason accepted is "idle".' }) });

/**
 * POST /api/session/logoff {"reason":"idle"} — the page's idle timer ran out: end the session
 * now rather than at the next request. The body is required so nothing else ends a session here.
 */
export const POST: RequestHandler = async ({ locals, request, cookies, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ signedIn: false, message: 'You are already signed out.' }, { status: 401 });
	const body = await parseJsonBody(request, logoffSchema);
	if (!body.ok) return badRequest('Send {"reason":"idle"}.', body.errors);
	const { db } = getRuntime().database;
	await invalidateSession(db, actor.sessionId);
	await recordAuditEvent(db, actor, {
		action: 'session.idle_timeout',
		outcome: 'success',
		resourceType: 'session',
		reason: `browser timer: no activity for ${await idleTimeoutMinutes(db)} minutes`
	});
	deleteSessionCookie(cookies, url.protocol === 'https:');
	return json({ signedIn: false }, { headers: { 'cache-control': 'no-store' } });
};
