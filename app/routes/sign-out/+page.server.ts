import { redirect } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/platform/runtime';
import { invalidateSession } from '$lib/server/auth/session';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { recordAuditEvent } from '$lib/server/audit/audit-log';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.actor) {
			const { database } = getRuntime();
			await invalidateSession(database.db, locals.actor.sessionId);
			await recordAuditEvent(database.db, locals.actor, { action: 'session.sign_out', outcome: 'success' });
		}
		deleteSessionCookie(cookies, url.protocol === 'https:');
		redirect(303, '/sign-in');
	}
};
