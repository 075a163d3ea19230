import { json } from '@sveltejs/kit';
import { isExternal } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { DocumentUnreadable, documentResponseHeaders, readDocument } from '$lib/server/documents/documents';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** A document of a record shared with an outside person; readDocument decides (a share naming documents) and audits. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see this document.' }, { status: 401 });
	if (!isExternal(actor)) return json({ message: 'Open documents from the record itself.' }, { status: 403 });
	if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.documentId).success) {
		return json({ message: 'There is no document at this address.' }, { status: 404 });
	}
	const { database, documentCipher, logger } = getRuntime();
	try {
		const { metadata, bytes } = await readDocument(database.db, documentCipher, actor, params.patientId, params.documentId);
		return new Response(new Uint8Array(bytes), { headers: documentResponseHeaders(metadata) });
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'This document is not shared with you, or sharing has ended.' }, { status: 403 });
		if (cause instanceof NotFound) return json({ message: 'There is no document at this address.' }, { status: 404 });
		if (cause instanceof DocumentUnreadable) {
			logger.error({ requestId: locals.requestId, documentId: params.documentId }, 'document failed to decrypt');
			return json({ message: cause.message }, { status: 500 });
		}
		throw cause;
	}
};
