import { json } from '@sveltejs/kit';
import { setComplianceKey } from '$lib/server/messaging/compliance';
import { chatErrorResponse, isSameSiteRequest } from '$lib/server/messaging/http-errors';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** PUT /api/chat/compliance-key {publicKey} — replaces the clinic's compliance public key (administrators). */
export const PUT: RequestHandler = async ({ locals, request, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to set the compliance key.' }, { status: 401 });
	if (!isSameSiteRequest(request, url)) return json({ message: 'Cross-site requests are refused.' }, { status: 403 });
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return json({ message: 'The request body must be JSON: {"publicKey": "…"}.', code: 'invalid' }, { status: 400 });
	}
	try {
		const key = await setComplianceKey(getRuntime().database.db, actor, body);
		return json({ key });
	} catch (cause) {
		return chatErrorResponse(cause);
	}
};
