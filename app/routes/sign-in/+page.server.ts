import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { signIn } from '$lib/server/auth/sign-in';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession } from '$lib/server/auth/session';
import { fields, parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { isPortalUser } from '$lib/server/access/actor';
import { getClinic } from '$lib/server/clinic/clinic';
import type { Actions, PageServerLoad } from './$types';

const signInSchema = z.object({ email: fields.email, password: fields.password });
/** Per client address: 20 attempts a minute, well above a person, well below a script. */
const attemptsByAddress = new RateLimiter(20, 60_000);

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.actor) redirect(303, isPortalUser(locals.actor) ? '/portal' : '/patients');
	const clinic = await getClinic(getRuntime().database.db);
	return {
		clinicName: clinic?.name ?? 'ClinicSync',
		notice: url.searchParams.get('demo') === 'loaded' ? 'The demo clinic is ready. Sign in with one of the demo accounts.' : url.searchParams.get('setup') === 'done' ? 'Your clinic is ready. Sign in as the administrator.' : null
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { database, config } = getRuntime();
		const address = clientAddress(event);
		const wait = attemptsByAddress.hit(address ?? 'unknown');
		if (wait > 0) return fail(429, { errors: { form: `Too many sign-in attempts from this network. Wait ${wait} seconds and try again.` }, values: {} });
		const form = await parseFormData(event.request, signInSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		const result = await signIn(database.db, form.data, {
			sessionTtlMs: config.sessionTtlMs,
			sourceAddress: address ?? undefined,
			userAgent: event.request.headers.get('user-agent') ?? undefined,
			requestId: event.locals.requestId
		});
		if (!result.ok) return fail(result.reason === 'invalid' ? 400 : 403, { errors: { form: result.message }, values: { email: form.data.email } });
		// A session that arrived with the request is replaced, never reused (no fixation).
		if (event.locals.actor) await invalidateSession(database.db, event.locals.actor.sessionId);
		setSessionCookie(event.cookies, result.token, result.expiresAt, event.url.protocol === 'https:');
		redirect(303, result.user.role === 'patient' || result.user.role === 'proxy' ? '/portal' : '/patients');
	}
};
