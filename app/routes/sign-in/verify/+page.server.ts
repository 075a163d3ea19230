import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { homePathFor } from '$lib/server/auth/sign-in';
import { completeSecondFactor, readPendingSignIn, sendSignInCode } from '$lib/server/auth/second-factor';
import { deletePendingSignInCookie, pendingSignInCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { revokeTokens, parseLinkParam } from '$lib/server/auth/one-time-tokens';
import { parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getClinic } from '$lib/server/clinic/clinic';
import { linkOrigin } from '$lib/server/mail/link-origin';
import type { Actions, PageServerLoad } from './$types';

const codeSchema = z.object({
	code: z
		.string({ error: 'Enter the code.' })
		.trim()
		.min(1, 'Enter the code.')
		.max(40, 'That code is too long.')
});
/** Per client address, like the password step. */
const attemptsByAddress = new RateLimiter(20, 60_000);
/** Emailed codes per account: a few resends, not a mail cannon. */
const codesByAccount = new RateLimiter(3, 10 * 60_000);

export const load: PageServerLoad = async ({ cookies, locals }) => {
	if (locals.actor) redirect(303, homePathFor(locals.actor.role));
	const { database } = getRuntime();
	const pending = await readPendingSignIn(database.db, cookies.get(pendingSignInCookie.name));
	if (!pending) redirect(303, '/sign-in?verify=expired');
	const clinic = await getClinic(database.db);
	return {
		clinicName: clinic?.name ?? 'ClinicSync',
		hasTotp: pending.hasTotp,
		emailCodeWaiting: pending.emailCodeWaiting,
		maskedEmail: pending.maskedEmail
	};
};

export const actions: Actions = {
	verify: async (event) => {
		const { database, config, documentCipher } = getRuntime();
		const address = clientAddress(event);
		const wait = attemptsByAddress.hit(address ?? 'unknown');
		if (wait > 0) return fail(429, { errors: { form: `Too many attempts from this network. Wait ${wait} seconds and try again.` } });
		const form = await parseFormData(event.request, codeSchema);
		if (!form.ok) return fail(400, { errors: form.errors });
		const cookieValue = event.cookies.get(pendingSignInCookie.name);
		const secure = event.url.protocol === 'https:';
		const result = await completeSecondFactor(database.db, documentCipher, cookieValue, form.data.code, {
			sessionTtlMs: config.sessionTtlMs,
			sourceAddress: address ?? undefined,
			userAgent: event.request.headers.get('user-agent') ?? undefined,
			requestId: event.locals.requestId,
			origin: linkOrigin(event)
		});
		if (!result.ok) {
			if (result.reason === 'invalid') return fail(400, { errors: { code: result.message } });
			deletePendingSignInCookie(event.cookies, secure);
			if (result.reason === 'expired') redirect(303, '/sign-in?verify=expired');
			return fail(403, { errors: { form: result.message }, locked: true });
		}
		deletePendingSignInCookie(event.cookies, secure);
		setSessionCookie(event.cookies, result.token, result.expiresAt, secure);
		redirect(303, result.suggestTotpSetup ? '/account?mfa=setup' : homePathFor(result.user.role));
	},

	email: async (event) => {
		const { database } = getRuntime();
		const pending = await readPendingSignIn(database.db, event.cookies.get(pendingSignInCookie.name));
		if (!pending) redirect(303, '/sign-in?verify=expired');
		const wait = codesByAccount.hit(pending.user.id);
		if (wait > 0) return fail(429, { errors: { form: `A code was sent a moment ago. Check your email, or wait ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''} before asking for another.` } });
		await sendSignInCode(database.db, pending.user, { sourceAddress: clientAddress(event), requestId: event.locals.requestId });
		return { sent: `We emailed a 6-digit code to ${pending.maskedEmail}. It works for 10 minutes.` };
	},

	cancel: async (event) => {
		const { database } = getRuntime();
		const parsed = parseLinkParam(event.cookies.get(pendingSignInCookie.name) ?? '');
		if (parsed) await revokeTokens(database.db, parsed.userId, 'mfa_pending');
		deletePendingSignInCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/sign-in');
	}
};
