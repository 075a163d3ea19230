/**
 * The composition root: one HTTP server carrying the SvelteKit app, the collaboration
 * websocket at /collab and socket.io. Start-up opens, in order, the database, the runtime, the
 * HTTP handler and the socket servers; shutdown closes them in the reverse order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import type { AppConfig } from '../app/lib/server/platform/config';
import { createLogger, type Logger } from '../app/lib/server/platform/logger';
import { provideRuntime, type Runtime } from '../app/lib/server/platform/runtime';
import { createDocumentCipher, loadDocumentKey } from '../app/lib/server/documents/cipher';
import { startMailDelivery } from '../app/lib/server/mail/mail-delivery';
import { startMissedDoseWorker } from '../app/lib/server/plans/missed-dose-worker';
import { configurePlanChangeNotices } from '../app/lib/server/plans/plan-change-notices';
import { startRetentionWorker } from '../app/lib/server/messaging/retention';
import { loadReminderLinkKey, provideReminderContext } from '../app/lib/server/reminders/reminder-context';
import { startReminderWorker } from '../app/lib/server/reminders/reminder-worker';
import { clientAddressHeader, createCollabServer, type CollabServer } from '../collab-server/collab-server';
import { attachmentCiphertextLimit } from '../app/lib/server/messaging/attachments';
import { attachRealtime, type RealtimeServer } from './realtime';
import { isSameOrigin } from './origin';

const protocolHeader = 'x-clinicsync-protocol';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

export interface AppServerOptions {
	config: AppConfig;
	/** Loads the HTTP handler once the runtime exists (the built SvelteKit app, or Vite in dev). */
	loadHandler: () => Promise<RequestHandler>;
	/** Use this database instead of opening one from config (tests). */
	database?: DatabaseHandle;
	logger?: Logger;
	/** Extra upgrade handling (Vite's HMR socket in dev); return true when handled. */
	onOtherUpgrade?: (request: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => boolean;
}

export interface AppServer {
	httpServer: Server;
	runtime: Runtime;
	collab: CollabServer;
	realtime: RealtimeServer;
	listen(port: number, host?: string): Promise<string>;
	close(): Promise<void>;
}

export function pgliteDirectory(config: AppConfig): string {
	return path.join(config.dataDir, 'pglite');
}

export async function createAppServer(options: AppServerOptions): Promise<AppServer> {
	const { config } = options;
	const logger = options.logger ?? createLogger(config.logLevel);
	const database =
		options.database ??
		(await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: pgliteDirectory(config) }));
	await migrateDatabase(database);
	const documentCipher = createDocumentCipher(loadDocumentKey(config.documentEncryptionKey, config.dataDir));
	const runtime: Runtime = { config, logger, database, documentCipher };
	provideRuntime(runtime);
	const mail = startMailDelivery({ db: database.db, config, logger });
	// Missed-dose alerts to care teams and the debounced "your plan changed" notices.
	configurePlanChangeNotices({
		delayMs: config.planNoticeDelayMs,
		onError: (error) => logger.error({ err: { name: error.name, message: error.message } }, 'plan change notice failed')
	});
	const planAlerts = startMissedDoseWorker({ db: database.db, logger, noticeDelayMs: config.planNoticeDelayMs });
	// Messages past the clinic's retention period, and uploads never sent, with their files.
	const chatRetention = startRetentionWorker({ db: database.db, logger, dataDir: config.dataDir, intervalMs: config.chat.retentionSweepMs });
	// Appointment reminders: due ones into the outbox with signed links, unanswered ones escalated.
	// Links point at ORIGIN, or this server on localhost when ORIGIN is unset.
	const reminderContext = {
		origin: config.origin ?? `http://localhost:${config.port}`,
		linkKey: loadReminderLinkKey(config.reminders.linkSecret, config.dataDir),
		mailFrom: config.mailFrom
	};
	provideReminderContext(reminderContext);
	const reminders = startReminderWorker({ db: database.db, logger, context: reminderContext, intervalMs: config.reminders.sweepIntervalMs });

	// adapter-node reads these at import time. Without ORIGIN it assumes https, which would make
	// every form post on plain http://localhost fail its origin check; this server speaks plain
	// HTTP, so it says so in a header of its own (a client-sent copy is overwritten).
	if (config.origin) process.env.ORIGIN = config.origin;
	else process.env.PROTOCOL_HEADER = protocolHeader;
	// The largest body any route takes: a document upload, or an encrypted chat attachment (its
	// route streams the body to disk and enforces its own, exact cap before this one is reached).
	process.env.BODY_SIZE_LIMIT ??= String(Math.max(config.maxUploadBytes, attachmentCiphertextLimit(config.chat.maxAttachmentBytes)) + 1024 * 1024);
	const handler = await options.loadHandler();
	const httpServer = createServer((req, res) => {
		req.headers[protocolHeader] = 'http';
		handler(req, res);
	});
	// Slow-loris guard; uploads get the whole request timeout.
	httpServer.headersTimeout = 20_000;
	httpServer.requestTimeout = 120_000;

	const collab = createCollabServer({ db: database.db, logger, sessionTtlMs: config.sessionTtlMs, limits: config.collabLimits });
	const realtime = attachRealtime(httpServer, { db: database.db, logger, config, sessionTtlMs: config.sessionTtlMs, publicOrigin: config.origin });

	httpServer.on('upgrade', (request, socket, head) => {
		const pathname = (request.url ?? '').split('?')[0];
		if (pathname === '/collab' || pathname?.startsWith('/collab/')) {
			if (!isSameOrigin(request, config.origin)) {
				socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nCross-origin websocket refused.');
				return;
			}
			// A trusted header for the audit trail; a client-sent one is dropped first.
			request.headers[clientAddressHeader] = request.socket.remoteAddress ?? '';
			collab.handleUpgrade(request, socket, head).catch((error: Error) => {
				logger.warn({ err: { name: error.name, message: error.message } }, 'collab upgrade failed');
				socket.destroy();
			});
			return;
		}
		if (pathname?.startsWith('/socket.io/')) return; // socket.io's own listener answers.
		if (options.onOtherUpgrade?.(request, socket, head)) return;
		socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
	});

	let closing: Promise<void> | undefined;
	const close = () =>
		(closing ??= (async () => {
			logger.info('shutting down');
			const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
			httpServer.closeIdleConnections();
			// Collaborative documents flush their pending stores before their sockets close.
			await collab.close();
			await new Promise<void>((resolve) => realtime.close(() => resolve()));
			// In-flight requests get a moment to finish; then the rest are cut.
			await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
			httpServer.closeAllConnections();
			await reminders.stop();
			provideReminderContext(undefined);
			await chatRetention.stop();
			await planAlerts.stop();
			await mail.stop();
			await database.close();
			provideRuntime(undefined);
			logger.info('stopped');
		})());

	return {
		httpServer,
		runtime,
		collab,
		realtime,
		listen: (port, host) =>
			new Promise((resolve, reject) => {
				httpServer.once('error', reject);
				httpServer.listen(port, host, () => {
					const address = httpServer.address() as AddressInfo;
					const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
					resolve(`http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`);
				});
			}),
		close
	};
}

/** SIGTERM/SIGINT: stop, flush, close, exit 0 — or exit 1 if that takes over 10 s. */
export function closeOnSignals(server: AppServer, logger: Logger): void {
	const onSignal = (signal: string) => {
		logger.info({ signal }, 'signal received');
		const force = setTimeout(() => {
			logger.error('shutdown took over 10 s; exiting');
			process.exit(1);
		}, 10_000);
		force.unref();
		server.close().then(
			() => process.exit(0),
			(error: Error) => {
				logger.error({ err: { name: error.name, message: error.message } }, 'shutdown failed');
				process.exit(1);
			}
		);
	};
	process.once('SIGTERM', onSignal);
	process.once('SIGINT', onSignal);
}
