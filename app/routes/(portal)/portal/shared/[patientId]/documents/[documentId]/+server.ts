import { json } from '@sveltejs/kit';
import { isExternal } from '$lib/server/access/actor';
import { serveDocument } from '$lib/server/http/document-download';
import type { RequestHandler } from './$types';

/** A document of a record shared with an outside person; readDocument decides (a share naming documents) and audits. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see this document.' }, { status: 401 });
	if (!isExternal(actor)) return json({ message: 'Open documents from the record itself.' }, { status: 403 });
	return serveDocument({ actor, patientId: params.patientId, documentId: params.documentId, requestId: locals.requestId, deniedMessage: 'This document is not shared with you, or sharing has ended.' });
};
