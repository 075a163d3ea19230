import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { fields, parseFormData } from '$lib/server/http/validation';
import { clientAddress } from '$lib/server/http/request-context';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getClinic } from '$lib/server/clinic/clinic';
import { requestPasswordReset, resetRequestAnswer } from '$lib/server/auth/password-reset';
import { homePathFor } from '$lib/server/auth/sign-in';
import { linkOrigin } from '$lib/server/mail/link-origin';
import type { Actions, PageServerLoad } from './$types';

const requestSchema = z.object({ email: fields.email });
/** Per address: enough for a person who mistyped. Each account also gets at most 3 emails an hour (password-reset.ts). */
const requestsByAddress = new RateLimiter(10, 15 * 60_000);

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.actor) redirect(303, homePathFor(locals.actor.role));
	const clinic = await getClinic(getRuntime().database.db);
	return { clinicName: clinic?.name ?? 'ClinicSync' };
};

export const actions: Actions = {
	default: async (event) => {
		const address = clientAddress(event);
		const wait = requestsByAddress.hit(address ?? 'unknown');
		if (wait > 0) return fail(429, { errors: { form: `Too many requests from this network. Wait ${Math.ceil(wait / 60)} minutes and try again.` }, values: {} });
		const form = await parseFormData(event.request, requestSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		await requestPasswordReset(getRuntime().database.db, form.data.email, { sourceAddress: address, requestId: event.locals.requestId }, { origin: linkOrigin(event) });
		return { sent: resetRequestAnswer, values: { email: form.data.email } };
	}
};
