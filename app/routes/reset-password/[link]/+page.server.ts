import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getClinic } from '$lib/server/clinic/clinic';
import { deadLinkMessage, isResetLinkLive, resetPassword } from '$lib/server/auth/password-reset';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import type { Actions, PageServerLoad } from './$types';

const newPasswordSchema = z
	.object({
		newPassword: z.string({ error: 'Choose a password.' }).min(1, 'Choose a password.').max(256, 'Use at most 256 characters.'),
		repeatPassword: z.string({ error: 'Type the new password again.' }).max(256)
	})
	.refine((v) => v.newPassword === v.repeatPassword, { path: ['repeatPassword'], message: 'The two passwords are not the same.' });
const attemptsByAddress = new RateLimiter(20, 15 * 60_000);

export const load: PageServerLoad = async ({ params }) => {
	const db = getRuntime().database.db;
	const clinic = await getClinic(db);
	// Looking at the page does not spend the link; only setting the password does.
	return { clinicName: clinic?.name ?? 'ClinicSync', live: await isResetLinkLive(db, params.link), deadLinkMessage };
};

export const actions: Actions = {
	default: async (event) => {
		const address = clientAddress(event);
		const wait = attemptsByAddress.hit(address ?? 'unknown');
		if (wait > 0) return fail(429, { errors: { form: `Too many attempts from this network. Wait ${Math.ceil(wait / 60)} minutes and try again.` } });
		const form = await parseFormData(event.request, newPasswordSchema);
		if (!form.ok) return fail(400, { errors: form.errors });
		const result = await resetPassword(getRuntime().database.db, event.params.link, form.data.newPassword, { sourceAddress: address, requestId: event.locals.requestId });
		if (!result.ok) return fail(result.reason === 'link' ? 410 : 400, { errors: result.reason === 'link' ? { form: result.message } : { newPassword: result.message } });
		// Every session of the account ended, this browser's included if it had one.
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/sign-in?reset=done');
	}
};
