import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { DocumentUnreadable, documentResponseHeaders, readDocument } from '../documents/documents';
import { getRuntime } from '../platform/runtime';
import { fields } from './validation';

interface DocumentDownload {
	actor: Actor;
	patientId: string | null;
	documentId: string;
	requestId: string;
	/** What this audience is told when the access module refuses. */
	deniedMessage: string;
}

/**
 * The answer of every document download endpoint (staff chart, portal, shared record): the
 * decrypted bytes with safe headers, or a plain-language 403/404. readDocument decides and
 * audits access; the endpoints only say who may ask at all.
 */
export async function serveDocument(download: DocumentDownload): Promise<Response> {
	const { actor, patientId, documentId } = download;
	if (!patientId || !fields.uuid.safeParse(patientId).success || !fields.uuid.safeParse(documentId).success) {
		return Response.json({ message: 'There is no document at this address.' }, { status: 404 });
	}
	const { database, documentCipher, logger } = getRuntime();
	try {
		const { metadata, bytes } = await readDocument(database.db, documentCipher, actor, patientId, documentId);
		return new Response(new Uint8Array(bytes), { headers: documentResponseHeaders(metadata) });
	} catch (cause) {
		if (cause instanceof AccessDenied) return Response.json({ message: download.deniedMessage }, { status: 403 });
		if (cause instanceof NotFound) return Response.json({ message: 'There is no document at this address.' }, { status: 404 });
		if (cause instanceof DocumentUnreadable) {
			logger.error({ requestId: download.requestId, documentId }, 'document failed to decrypt');
			return Response.json({ message: cause.message }, { status: 500 });
		}
		throw cause;
	}
}
