import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { acceptInvitation, deadInvitationMessage, readInvitation } from '$lib/server/auth/invitations';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession } from '$lib/server/auth/session';
import { homePathFor } from '$lib/server/auth/sign-in';
import type { Actions, PageServerLoad } from './$types';

const choosePasswordSchema = z
	.object({
		newPassword: z.string({ error: 'Choose a password.' }).min(1, 'Choose a password.').max(256, 'Use at most 256 characters.'),
		repeatPassword: z.string({ error: 'Type the password again.' }).max(256)
	})
	.refine((v) => v.newPassword === v.repeatPassword, { path: ['repeatPassword'], message: 'The two passwords are not the same.' });
const attemptsByAddress = new RateLimiter(20, 15 * 60_000);

export const load: PageServerLoad = async ({ params }) => {
	// Looking does not spend the link; choosing the password does.
	const invitation = await readInvitation(getRuntime().database.db, params.link);
	return { invitation, deadInvitationMessage };
};

export const actions: Actions = {
	default: async (event) => {
		const address = clientAddress(event);
		const wait = attemptsByAddress.hit(address ?? 'unknown');
		if (wait > 0) return fail(429, { errors: { form: `Too many attempts from this network. Wait ${Math.ceil(wait / 60)} minutes and try again.` } });
		const form = await parseFormData(event.request, choosePasswordSchema);
		if (!form.ok) return fail(400, { errors: form.errors });
		const { database, config } = getRuntime();
		const result = await acceptInvitation(database.db, event.params.link, form.data.newPassword, {
			sessionTtlMs: config.sessionTtlMs,
			sourceAddress: address ?? undefined,
			userAgent: event.request.headers.get('user-agent') ?? undefined,
			requestId: event.locals.requestId
		});
		if (!result.ok) return fail(result.reason === 'link' ? 410 : 400, { errors: result.reason === 'link' ? { form: result.message } : { newPassword: result.message } });
		// Whoever was signed in on this browser before is signed out: the new account takes over.
		if (event.locals.actor) await invalidateSession(database.db, event.locals.actor.sessionId);
		setSessionCookie(event.cookies, result.token, result.expiresAt, event.url.protocol === 'https:');
		redirect(303, result.setUpMfa ? '/account?mfa=setup#mfa' : homePathFor(result.user.role));
	}
};
