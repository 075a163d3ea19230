import { json } from '@sveltejs/kit';
import { idleTimeoutMinutes, touchSession } from '$lib/server/auth/idle-timeout';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * POST /api/session/keepalive — "Stay signed in", and activity in an open page: refreshes the
 * session's last_seen_at at once. 401 when the session is over (idle, signed out, deactivated).
 */
export const POST: RequestHandler = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) return json({ signedIn: false, message: 'You are signed out. Sign in again to continue.' }, { status: 401, headers: { 'cache-control': 'no-store' } });
	const { db } = getRuntime().database;
	await touchSession(db, actor.sessionId);
	return json({ signedIn: true, idleTimeoutMinutes: await idleTimeoutMinutes(db) }, { headers: { 'cache-control': 'no-store' } });
};
