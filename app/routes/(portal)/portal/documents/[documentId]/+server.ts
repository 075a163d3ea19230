import { json } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { serveDocument } from '$lib/server/http/document-download';
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
	return serveDocument({ actor, patientId, documentId: params.documentId, requestId: locals.requestId, deniedMessage: 'You do not have access to this document.' });
};
