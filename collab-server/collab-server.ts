import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hocuspocus, type WebSocketLike } from '@hocuspocus/server';
import nodeAdapter from 'crossws/adapters/node';
import type { Database } from '../db/client';
import type { Logger } from '../app/lib/server/platform/logger';
import { AuthExtension } from './extensions/auth';
import { AccessRevocationExtension } from './extensions/access-revocation';
import type { CollabContext } from './context';
import type { Actor } from '../app/lib/server/access/actor';
import { resolveActor } from '../app/lib/server/auth/actor-from-session';
import { sessionTokenFromCookieHeader } from '../app/lib/server/auth/cookies';

/** Set by the HTTP server from the socket's peer address (never taken from the client). */
export const clientAddressHeader = 'x-clinicsync-client-address';

export interface CollabServerOptions {
	db: Database;
	logger: Logger;
	sessionTtlMs: number;
	/** Largest websocket frame accepted, in bytes. */
	maxFrameBytes?: number;
}

export interface CollabServer {
	hocuspocus: Hocuspocus<CollabContext>;
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	close(): Promise<void>;
}

/**
 * Hocuspocus on the app's own HTTP server at /collab. Hocuspocus' core stays a hook runner;
 * each policy is one extension, listed here in priority order.
 */
export function createCollabServer(options: CollabServerOptions): CollabServer {
	const accessRevocation = new AccessRevocationExtension();
	const hocuspocus = new Hocuspocus<CollabContext>({
		name: 'clinicsync-collab',
		quiet: true,
		extensions: [new AuthExtension(), accessRevocation]
	});

	const adapter = nodeAdapter({
		serverOptions: { maxPayload: options.maxFrameBytes ?? 1024 * 1024 },
		hooks: {
			// The session cookie comes with the upgrade request: no session, no websocket.
			async upgrade(request) {
				const resolved = await resolveActor(options.db, sessionTokenFromCookieHeader(request.headers.get('cookie')), options.sessionTtlMs, {
					sourceAddress: request.headers.get(clientAddressHeader),
					requestId: null
				});
				if (!resolved) return new Response('Sign in first.', { status: 401, headers: { 'content-type': 'text/plain' } });
				return { context: { actor: resolved.actor } };
			},
			open(peer) {
				const context: CollabContext = { actor: peer.context.actor as Actor };
				const connection = hocuspocus.handleConnection(peer.websocket as unknown as WebSocketLike, peer.request as Request, context);
				(peer as unknown as { collab: typeof connection }).collab = connection;
			},
			message(peer, message) {
				(peer as unknown as { collab?: { handleMessage(data: Uint8Array): void } }).collab?.handleMessage(message.uint8Array());
			},
			close(peer, event) {
				(peer as unknown as { collab?: { handleClose(e: { code?: number; reason?: string }): void } }).collab?.handleClose({
					code: event.code,
					reason: event.reason
				});
			},
			error(peer, error) {
				options.logger.warn({ peer: peer.id, err: { name: error.name, message: error.message } }, 'collab websocket error');
			}
		}
	});

	return {
		hocuspocus,
		handleUpgrade: (request, socket, head) => adapter.handleUpgrade(request, socket, head),
		async close() {
			accessRevocation.stop();
			hocuspocus.flushPendingStores();
			hocuspocus.closeConnections();
			adapter.closeAll(1001, 'Server shutting down', false);
		}
	};
}
