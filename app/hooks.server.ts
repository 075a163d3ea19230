import type { Handle, HandleServerError } from '@sveltejs/kit';
import { redirect } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { getRuntime } from '$lib/server/platform/runtime';
import { resolveActor } from '$lib/server/auth/actor-from-session';
import { deleteSessionCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { sessionCookieName } from '$lib/server/auth/session';
import { clientAddress } from '$lib/server/http/request-context';
import { isClinicSetUp } from '$lib/server/clinic/clinic';
import { withSecurityHeaders } from '$lib/server/http/security-headers';
import { logRequest } from '$lib/server/http/request-log';

/** Session → locals.actor, and nothing else. */
const authenticate: Handle = async ({ event, resolve }) => {
	const { database, config } = getRuntime();
	event.locals.actor = null;
	const token = event.cookies.get(sessionCookieName);
	const secure = event.url.protocol === 'https:';
	if (token) {
		const resolved = await resolveActor(database.db, token, config.sessionTtlMs, {
			sourceAddress: clientAddress(event),
			requestId: event.locals.requestId
		});
		if (resolved) {
			event.locals.actor = resolved.actor;
			if (resolved.extended) setSessionCookie(event.cookies, token, resolved.expiresAt, secure);
		} else {
			deleteSessionCookie(event.cookies, secure);
		}
	}
	return resolve(event);
};

/** Until the clinic exists, every page leads to the setup page. */
const requireSetup: Handle = async ({ event, resolve }) => {
	const path = event.url.pathname;
	const open = path === '/setup' || path === '/healthz' || path.startsWith('/_app/') || path === '/favicon.svg';
	if (!open && !(await isClinicSetUp(getRuntime().database.db))) redirect(303, '/setup');
	return resolve(event);
};

const securityHeaders: Handle = async ({ event, resolve }) => withSecurityHeaders(await resolve(event));

const requestLog: Handle = async ({ event, resolve }) => logRequest(event, async () => resolve(event));

export const handle = sequence(requestLog, securityHeaders, authenticate, requireSetup);

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status >= 500) {
		// The error object may hold query text; log its name and stack, not its data.
		const err = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
		getRuntime().logger.error({ requestId: event.locals.requestId, route: event.route.id, err }, 'unhandled error');
		return { message: 'Something went wrong on our side. Please try again; if it keeps happening, tell your clinic administrator.', requestId: event.locals.requestId };
	}
	return { message, requestId: event.locals.requestId };
};
