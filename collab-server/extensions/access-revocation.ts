import { Forbidden, Unauthorized } from '@hocuspocus/common';
import type { Extension, Hocuspocus, onConfigurePayload } from '@hocuspocus/server';
import { onAccessEvent, type AccessEvent } from '../../app/lib/server/access/access-events';
import type { CollabContext } from '../context';

/**
 * Revoked access closes open documents at once. A connection is authorized when it opens a
 * document (AuthExtension) and never asked again, so when a share is revoked or an emergency
 * access ends, this closes that person's connections to every document of that patient (the
 * other documents on the same websocket stay open).
 *
 * Subscribes when Hocuspocus configures it; `stop()` unsubscribes (collab-server.ts calls it at
 * shutdown: Hocuspocus runs onDestroy only for its own HTTP server, which we do not use).
 */
export class AccessRevocationExtension implements Extension {
	// No per-connection hooks; the number only places it in the list.
	priority = 900;
	private unsubscribe: (() => void) | undefined;

	async onConfigure({ instance }: onConfigurePayload): Promise<void> {
		this.stop();
		this.unsubscribe = onAccessEvent((event) => {
			closeRevokedConnections(instance as Hocuspocus<CollabContext>, event);
		});
	}

	async onDestroy(): Promise<void> {
		this.stop();
	}

	stop(): void {
		this.unsubscribe?.();
		this.unsubscribe = undefined;
	}
}

/** Closes `event.userId`'s connections to documents of `event.patientId`; returns how many. */
export function closeRevokedConnections(hocuspocus: Hocuspocus<CollabContext>, event: AccessEvent): number {
	if (event.kind === 'sessions-ended') return closeSessionConnections(hocuspocus, event);
	let closed = 0;
	for (const document of hocuspocus.documents.values()) {
		for (const connection of document.getConnections()) {
			const context = connection.context as CollabContext | undefined;
			// AuthExtension put the document's patient in the context when it authorized it.
			if (context?.actor?.userId !== event.userId || context.patientId !== event.patientId.toLowerCase()) continue;
			connection.close({ ...Forbidden, reason: 'Your access to this record has ended.' });
			closed += 1;
		}
	}
	return closed;
}

/** Closes every document connection of ended sessions (sign-out, deactivation); returns how many. */
function closeSessionConnections(hocuspocus: Hocuspocus<CollabContext>, event: Extract<AccessEvent, { kind: 'sessions-ended' }>): number {
	let closed = 0;
	for (const document of hocuspocus.documents.values()) {
		for (const connection of document.getConnections()) {
			const actor = (connection.context as CollabContext | undefined)?.actor;
			if (actor?.userId !== event.userId) continue;
			if (event.onlySessionId && actor.sessionId !== event.onlySessionId) continue;
			connection.close({ ...Unauthorized, reason: 'Your session has ended.' });
			closed += 1;
		}
	}
	return closed;
}
