import { Forbidden, Unauthorized } from '@hocuspocus/common';
import type { Extension, onConnectPayload, onAuthenticatePayload } from '@hocuspocus/server';
import type { Database } from '../../db/client';
import { authorizeDocument } from '../../app/lib/server/access/document-access';
import { AccessDenied, NotFound } from '../../app/lib/server/access/errors';
import { parseDocumentName } from '../../app/lib/collab/document-names';
import type { CollabContext } from '../context';

/**
 * The websocket is authenticated once, at the upgrade (collab-server.ts puts the actor in the
 * context); each document on it is then authorized on its own, by the access module, which
 * audits the decision. A role that may only view gets a read-only connection (Hocuspocus then
 * refuses its updates). A refusal throws: Hocuspocus answers that one document with
 * "permission denied" and the reason, and keeps the socket for the documents the person may open.
 */
export class AuthExtension implements Extension {
	// First: nothing else may run for a connection that has no actor or no right to the document.
	priority = 1000;

	constructor(private readonly db: Database) {}

	async onConnect({ context }: onConnectPayload<CollabContext>): Promise<void> {
		if (!context.actor) throw { ...Unauthorized, reason: 'Sign in first.' };
	}

	async onAuthenticate({ documentName, context, connectionConfig }: onAuthenticatePayload<CollabContext>): Promise<Partial<CollabContext>> {
		if (!context.actor) throw { ...Unauthorized, reason: 'Sign in first.' };
		const ref = parseDocumentName(documentName);
		if (ref === null) throw { ...Forbidden, reason: `Unknown document "${documentName.slice(0, 80)}".` };
		try {
			const access = await authorizeDocument(this.db, context.actor, ref, 'open');
			connectionConfig.readOnly = access.readOnly;
			return { patientId: access.patientId };
		} catch (error) {
			if (error instanceof AccessDenied || error instanceof NotFound) throw { ...Forbidden, reason: error.message };
			throw error;
		}
	}
}
