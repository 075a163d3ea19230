import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { homePathFor, signIn } from '$lib/server/auth/sign-in';
import { deletePendingSignInCookie, setPendingSignInCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession } from '$lib/server/auth/session';
import { fields, parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getClinic } from '$lib/server/clinic/clinic';
import { canDeliverEmail, linkOrigin } from '$lib/server/mail/link-origin';
import type { Actions, PageServerLoad } from './$types';

const signInSchema = z.object({ email: fields.email, password: fields.password });
/** Per client address: 20 attempts a minute, well above a person, well below a script. */
const attemptsByAddress = new RateLimiter(20, 60_000);

const notices: Record<string, string> = {
	'demo=loaded': 'The demo clinic is ready. Sign in with one of the demo accounts.',
	'setup=done': 'Your clinic is ready. Sign in as the administrator.',
	'reset=done': 'Your password was changed and every device was signed out. Sign in with your new password.',
	'verify=expired': 'Your sign-in took too long or was already used. Sign in again.',
	// SessionEndRedirect.svelte: signed out on another device, by "sign out everywhere" or by the clinic.
	'reason=ended': 'Your session ended: you were signed out on another device or by the clinic. Sign in again to continue.'
};

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.actor) redirect(303, homePathFor(locals.actor.role));
	const clinic = await getClinic(getRuntime().database.db);
	const key = [...url.searchParams].map(([k, v]) => `${k}=${v}`).find((k) => k in notices);
	// Automatic logoff (IdleLogoff.svelte) lands here with reason=idle.
	const idle = url.searchParams.get('reason') === 'idle' ? `You were signed out after ${clinic?.idleTimeoutMinutes ?? 15} minutes without activity.` : null;
	return { clinicName: clinic?.name ?? 'ClinicSync', notice: idle ?? (key ? notices[key]! : null) };
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
			requestId: event.locals.requestId,
			origin: linkOrigin(event),
			emailCodesDeliverable: canDeliverEmail()
		});
		if (!result.ok) return fail(result.reason === 'invalid' ? 400 : 403, { errors: { form: result.message }, values: { email: form.data.email } });
		const secure = event.url.protocol === 'https:';
		// A session that arrived with the request is replaced, never reused (no fixation).
		if (event.locals.actor) await invalidateSession(database.db, event.locals.actor.sessionId);
		if (result.stage === 'second_factor') {
			setPendingSignInCookie(event.cookies, result.pendingCookieValue, result.pendingExpiresAt, secure);
			redirect(303, '/sign-in/verify');
		}
		deletePendingSignInCookie(event.cookies, secure);
		setSessionCookie(event.cookies, result.token, result.expiresAt, secure);
		redirect(303, result.setUpMfa ? '/account?mfa=setup#mfa' : homePathFor(result.user.role));
	}
};
