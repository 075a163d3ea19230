import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { documentNameSchema, restoreDocumentVersion } from '$lib/server/collab/history';
import { collabErrorResponse } from '$lib/server/collab/http-errors';
import { badRequest, parseJsonBody } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

const restoreSchema = z.object({ document: documentNameSchema, seq: z.coerce.number().int().positive() });

/** POST /api/collab/restore {document, seq} — brings back an earlier version as a new change. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to restore a version.' }, { status: 401 });
	const body = await parseJsonBody(request, restoreSchema);
	if (!body.ok) return badRequest('Name a document and the version to restore.', body.errors);
	try {
		await restoreDocumentVersion(getRuntime().database.db, actor, body.data.document, body.data.seq);
		return json({ ok: true });
	} catch (cause) {
		return collabErrorResponse(cause);
	}
};
