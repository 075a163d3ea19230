import { json } from '@sveltejs/kit';
import { documentVersion, versionQuerySchema } from '$lib/server/collab/history';
import { collabErrorResponse } from '$lib/server/collab/http-errors';
import { badRequest, parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** GET /api/collab/version?document=&seq= — an earlier version as a Yjs update, to show read-only. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see an earlier version.' }, { status: 401 });
	const params = parseSearchParams(url.searchParams, versionQuerySchema);
	if (!params.ok) return badRequest('Name a document and a version.', params.errors);
	try {
		const update = await documentVersion(getRuntime().database.db, actor, params.data.document, params.data.seq);
		return new Response(update as Uint8Array<ArrayBuffer>, {
			headers: { 'content-type': 'application/octet-stream', 'cache-control': 'private, no-store' }
		});
	} catch (cause) {
		return collabErrorResponse(cause);
	}
};
