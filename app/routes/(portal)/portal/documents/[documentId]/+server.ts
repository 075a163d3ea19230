import { json } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { DocumentUnreadable, documentResponseHeaders, readDocument } from '$lib/server/documents/documents';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * A document from the portal: `?patient=` names whose record (a proxy may act for several);
 * a patient without it gets their own. readDocument decides and audits access.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see this document.' }, { status: 401 });
	if (!isPortalUser(actor)) return json({ message: 'Staff open documents from the patient’s chart.' }, { status: 403 });
	const patientId = url.searchParams.get('patient') ?? (actor.role === 'patient' ? actor.patientId : null);
	if (!patientId || !fields.uuid.safeParse(patientId).success || !fields.uuid.safeParse(params.documentId).success) {
		return json({ message: 'There is no document at this address.' }, { status: 404 });
	}
	const { database, documentCipher, logger } = getRuntime();
	try {
		const { metadata, bytes } = await readDocument(database.db, documentCipher, actor, patientId, params.documentId);
		return new Response(new Uint8Array(bytes), { headers: documentResponseHeaders(metadata) });
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'You do not have access to this document.' }, { status: 403 });
		if (cause instanceof NotFound) return json({ message: 'There is no document at this address.' }, { status: 404 });
		if (cause instanceof DocumentUnreadable) {
			logger.error({ requestId: locals.requestId, documentId: params.documentId }, 'document failed to decrypt');
			return json({ message: cause.message }, { status: 500 });
		}
		throw cause;
	}
};
