import { json } from '@sveltejs/kit';
import { historyQuerySchema, listDocumentHistory } from '$lib/server/collab/history';
import { collabErrorResponse } from '$lib/server/collab/http-errors';
import { badRequest, parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** GET /api/collab/history?document=&before= — who changed which parts of a document, when. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see a document history.' }, { status: 401 });
	const params = parseSearchParams(url.searchParams, historyQuerySchema);
	if (!params.ok) return badRequest('Name a document, and optionally a position to page from.', params.errors);
	try {
		const history = await listDocumentHistory(getRuntime().database.db, actor, params.data.document, params.data.before);
		return json(history, { headers: { 'cache-control': 'private, no-store' } });
	} catch (cause) {
		return collabErrorResponse(cause);
	}
};
