import { json } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { serveDocument } from '$lib/server/http/document-download';
import type { RequestHandler } from './$types';

/** The decrypted bytes of one document, for staff; readDocument decides and audits access. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to see this document.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'Documents for patients are in the portal.' }, { status: 403 });
	return serveDocument({ actor, patientId: params.patientId, documentId: params.documentId, requestId: locals.requestId, deniedMessage: 'You do not have access to this patient’s documents.' });
};
