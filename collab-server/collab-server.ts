import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hocuspocus, type WebSocketLike } from '@hocuspocus/server';
import nodeAdapter from 'crossws/adapters/node';
import type * as Y from 'yjs';
import type { Database } from '../db/client';
import type { Logger } from '../app/lib/server/platform/logger';
import type { Actor } from '../app/lib/server/access/actor';
import { resolveActor } from '../app/lib/server/auth/actor-from-session';
import { sessionTokenFromCookieHeader } from '../app/lib/server/auth/cookies';
import { registerDocumentWriter } from '../app/lib/server/collab/document-writer';
import { AuthExtension } from './extensions/auth';
import { AccessRevocationExtension } from './extensions/access-revocation';
import { LimitsExtension, type CollabLimits } from './extensions/limits';
import { DocumentShapeExtension } from './extensions/document-shape';
import { DurableLogExtension } from './extensions/durable-log';
import { ProjectionExtension } from './extensions/projection';
import { AuditExtension } from './extensions/audit';
import { AwarenessIdentityExtension } from './extensions/awareness-identity';
import { StorageStatusExtension } from './extensions/storage-status';
import { DocumentLogWriter } from './durable-log/log-writer';
import { AckGatedSocket } from './ack-gate';
import { documentChangedParts, documentProjector, documentSeeder } from './document-kinds';
import type { CollabContext } from './context';

/** Set by the HTTP server from the socket's peer address (never taken from the client). */
export const clientAddressHeader = 'x-clinicsync-client-address';

export interface CollabServerOptions {
	db: Database;
	logger: Logger;
	sessionTtlMs: number;
	limits?: Partial<CollabLimits>;
	/** Batching window of the durable log, in ms. */
	logBatchDelayMs?: number;
}

export interface CollabServer {
	hocuspocus: Hocuspocus<CollabContext>;
	log: DocumentLogWriter;
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	/** Changes a document as the server (an import, a device reading, a restore); durable when it resolves. */
	changeDocument(documentName: string, context: CollabContext, change: (doc: Y.Doc) => void): Promise<void>;
	/** Waits for pending projections (tests, shutdown). */
	settleProjections(): Promise<void>;
	close(): Promise<void>;
}

export const defaultCollabLimits: CollabLimits = { maxUpdateBytes: 1024 * 1024, maxDocumentBytes: 20 * 1024 * 1024 };

/**
 * Hocuspocus on the app's own HTTP server at /collab. Hocuspocus' core stays a hook runner;
 * each policy is one extension, ordered by priority (highest first): who may open what
 * (auth), what may come in (limits, shape), keeping it (durable log), what follows from it
 * (projection), presence identity, and the audit trail.
 */
export function createCollabServer(options: CollabServerOptions): CollabServer {
	const limits: CollabLimits = { ...defaultCollabLimits, ...options.limits };
	const storageStatus = new StorageStatusExtension();
	const log = new DocumentLogWriter(options.db, options.logger, {
		batchDelayMs: options.logBatchDelayMs,
		onHealthChange: (healthy) => storageStatus.setHealthy(healthy)
	});
	const durableLog = new DurableLogExtension(options.db, options.logger, {
		writer: log,
		seed: documentSeeder(options.db),
		changedParts: documentChangedParts
	});
	const projection = new ProjectionExtension(options.logger, { projectorFor: documentProjector(options.db) });
	const accessRevocation = new AccessRevocationExtension();
	const hocuspocus = new Hocuspocus<CollabContext>({
		name: 'clinicsync-collab',
		quiet: true,
		extensions: [
			new AuthExtension(options.db),
			accessRevocation,
			new LimitsExtension(limits, (name) => durableLog.documentBytes(name)),
			new DocumentShapeExtension(),
			durableLog,
			projection,
			storageStatus,
			new AwarenessIdentityExtension(),
			new AuditExtension(options.db, options.logger)
		]
	});

	const adapter = nodeAdapter({
		// Frames up to four times the update limit reach LimitsExtension, which refuses an
		// oversized update with its reason in words; beyond that the websocket layer itself closes
		// with 1009 "message too big" (ws allows no reason text there) before buffering more.
		serverOptions: { maxPayload: Math.max(4 * limits.maxUpdateBytes, limits.maxUpdateBytes + 1024 * 1024) },
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
				const socket = new AckGatedSocket(peer.websocket as unknown as WebSocketLike, (name) => log.whenDurable(name));
				const connection = hocuspocus.handleConnection(socket, peer.request as Request, context);
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

	async function changeDocument(documentName: string, context: CollabContext, change: (doc: Y.Doc) => void): Promise<void> {
		const connection = await hocuspocus.openDirectConnection(documentName, context);
		try {
			await connection.transact((document) => change(document));
			await log.whenDurable(documentName);
		} finally {
			await connection.disconnect({ unloadImmediately: false });
		}
	}
	registerDocumentWriter(changeDocument);

	return {
		hocuspocus,
		log,
		handleUpgrade: (request, socket, head) => adapter.handleUpgrade(request, socket, head),
		changeDocument,
		settleProjections: () => projection.settle(hocuspocus.documents),
		async close() {
			registerDocumentWriter(null);
			accessRevocation.stop();
			adapter.closeAll(1001, 'Server shutting down', false);
			hocuspocus.closeConnections();
			await projection.settle(hocuspocus.documents);
			// Every update is already queued in the log; let it reach the database, then snapshot.
			await log.flush(6_000);
			hocuspocus.flushPendingStores();
			await log.close(1_000);
		}
	};
}
