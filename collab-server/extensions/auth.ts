import { Forbidden, Unauthorized } from '@hocuspocus/common';
import type { Extension, onConnectPayload, onAuthenticatePayload } from '@hocuspocus/server';
import type { CollabContext } from '../context';
import { parseDocumentName } from '../documents';

/**
 * The websocket is authenticated once, at the upgrade (collab-server.ts puts the actor in the
 * context); each document on it is then authorized on its own. A refusal throws: Hocuspocus
 * answers that one document with "permission denied" and the reason, and keeps the socket for
 * the documents the person may open.
 */
export class AuthExtension implements Extension {
	// First: nothing else may run for a connection that has no actor.
	priority = 1000;

	async onConnect({ context }: onConnectPayload<CollabContext>): Promise<void> {
		if (!context.actor) throw { ...Unauthorized, reason: 'Sign in first.' };
	}

	async onAuthenticate({ documentName, context }: onAuthenticatePayload<CollabContext>): Promise<void> {
		if (!context.actor) throw { ...Unauthorized, reason: 'Sign in first.' };
		const document = parseDocumentName(documentName);
		if (document === null) throw { ...Forbidden, reason: `Unknown document "${documentName.slice(0, 80)}".` };
	}
}
