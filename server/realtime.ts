import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Database } from '../db/client';
import type { Logger } from '../app/lib/server/platform/logger';
import { resolveActor } from '../app/lib/server/auth/actor-from-session';
import { sessionTokenFromCookieHeader } from '../app/lib/server/auth/cookies';
import { authorizePatient } from '../app/lib/server/access/patient-access';
import { AccessDenied, NotFound } from '../app/lib/server/access/errors';
import { onAccessEvent, type AccessEvent } from '../app/lib/server/access/access-events';
import { onNotification } from '../app/lib/server/notifications/notification-events';
import { sessionRefusedMessage, type ChartViewer, type ClientToServerEvents, type InterServerEvents, type ServerToClientEvents, type SocketData } from '../app/lib/realtime/events';
import type { AppConfig } from '../app/lib/server/platform/config';
import { isSameOrigin } from './origin';
import { attachChatMembershipEvents, registerChatHandlers } from './chat-handlers';
import { registerChatKeyHandlers } from './chat-keys-handlers';
import { attachScheduleChangeEvents, registerScheduleHandlers } from './schedule-handlers';
import { registerConsultHandlers } from './consult-handlers';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

interface RealtimeOptions {
	db: Database;
	logger: Logger;
	/** Chat handlers read limits and the data directory from it. */
	config: AppConfig;
	sessionTtlMs: number;
	publicOrigin?: string;
}

const chartPayload = z.object({ patientId: z.string().uuid() }).strict();
const patientRoom = (patientId: string) => `patient:${patientId}`;
const userRoom = (userId: string) => `user:${userId}`;

/**
 * socket.io for chat, presence, notifications and call signaling, on the app's port. Handlers
 * stay thin: they read socket.data (the actor) and call domain modules. Every payload is
 * validated; a bad one gets an error in its acknowledgement, never a crash.
 */
export function attachRealtime(httpServer: HttpServer, options: RealtimeOptions): RealtimeServer {
	const { db, logger } = options;
	const io: RealtimeServer = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
		// Other upgrade paths (/collab) belong to other handlers; do not destroy them.
		destroyUpgrade: false,
		maxHttpBufferSize: 1024 * 1024,
		allowRequest: (request, callback) => callback(null, isSameOrigin(request, options.publicOrigin))
	});

	io.use(async (socket, next) => {
		try {
			const token = sessionTokenFromCookieHeader(socket.request.headers.cookie);
			const resolved = await resolveActor(db, token, options.sessionTtlMs, {
				sourceAddress: socket.handshake.address,
				requestId: null
			});
			if (!resolved) return next(new Error(sessionRefusedMessage));
			socket.data = { userId: resolved.actor.userId, role: resolved.actor.role, actor: resolved.actor };
			await socket.join(userRoom(resolved.actor.userId));
			next();
		} catch (error) {
			logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'socket auth failed');
			next(new Error('Could not check your session. Try again.'));
		}
	});

	/** Joins waiting for their access check, per socket and patient. */
	const pendingJoins = new WeakMap<RealtimeSocket, Map<string, { revoked: boolean }>>();
	const announceViewers = (patientId: string) => {
		viewersOf(io, patientId)
			.then((viewers) => io.to(patientRoom(patientId)).emit('chart:viewers', { patientId, viewers }))
			.catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'chart viewers broadcast failed'));
	};
	/** A handler's unexpected failure is logged and answered; it never becomes an unhandled rejection. */
	const guarded =
		<P extends unknown[]>(name: string, handler: (...args: P) => Promise<void>) =>
		(...args: P) => {
			handler(...args).catch((error: Error) => {
				logger.error({ event: name, err: { name: error.name, message: error.message } }, 'socket handler failed');
				const ack = args[args.length - 1];
				if (typeof ack === 'function') ack({ ok: false, error: 'Something went wrong on our side. Try again.' });
			});
		};

	const chatDeps = { db, logger, config: options.config };
	io.on('connection', (socket) => {
		// End-to-end encrypted messaging: conversations and messages, then keys and devices.
		registerChatHandlers(io, socket, chatDeps);
		registerChatKeyHandlers(io, socket, chatDeps);
		// Staff calendars: follow a calendar's changes (scheduling, issue 6).
		registerScheduleHandlers(io, socket, { db, logger });
		// Video consults: waiting room, admission, signaling, sealed keys, in-call chat (issue 7).
		registerConsultHandlers(io, socket, { db, logger, config: options.config });

		socket.on('presence:ping', (ack) => {
			if (typeof ack !== 'function') return;
			ack({ userId: socket.data.userId, at: new Date().toISOString() });
		});

		socket.on(
			'chart:join',
			guarded('chart:join', async (payload, ack) => {
				const reply = typeof ack === 'function' ? ack : () => {};
				const parsed = chartPayload.safeParse(payload);
				if (!parsed.success) return reply({ ok: false, error: 'Send the id of the patient whose chart you opened.' });
				const { patientId } = parsed.data;
				// A revocation that lands while the check runs must not be missed: it marks this join.
				const pending = pendingJoins.get(socket) ?? new Map<string, { revoked: boolean }>();
				pendingJoins.set(socket, pending);
				const marker = { revoked: false };
				pending.set(patientId, marker);
				try {
					// The same decision, and the same audit trail, as opening the chart page.
					await authorizePatient(db, socket.data.actor, patientId, { action: 'chart.presence_join', require: ['demographics'] });
				} catch (error) {
					if (error instanceof AccessDenied) return reply({ ok: false, error: 'You do not have access to this patient’s chart.' });
					if (error instanceof NotFound) return reply({ ok: false, error: 'There is no patient with that id.' });
					logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'chart:join failed');
					return reply({ ok: false, error: 'Could not open the chart’s presence. Try again.' });
				} finally {
					if (pending.get(patientId) === marker) pending.delete(patientId);
				}
				if (marker.revoked) return reply({ ok: false, error: 'Your access to this record has ended.' });
				// The socket may have gone while the access check ran.
				if (socket.disconnected) return;
				await socket.join(patientRoom(patientId));
				const viewers = await viewersOf(io, patientId);
				socket.to(patientRoom(patientId)).emit('chart:viewers', { patientId, viewers });
				reply({ ok: true, viewers });
			})
		);

		socket.on(
			'chart:leave',
			guarded('chart:leave', async (payload, ack) => {
				const reply = typeof ack === 'function' ? ack : () => {};
				const parsed = chartPayload.safeParse(payload);
				if (!parsed.success) return reply({ ok: false, error: 'Send the id of the patient whose chart you closed.' });
				await socket.leave(patientRoom(parsed.data.patientId));
				announceViewers(parsed.data.patientId);
				reply({ ok: true });
			})
		);

		socket.on('disconnecting', () => {
			const charts = [...socket.rooms].filter((room) => room.startsWith('patient:')).map((room) => room.slice('patient:'.length));
			// The socket leaves its rooms after this event; tell the others once it has.
			if (charts.length > 0) socket.once('disconnect', () => charts.forEach(announceViewers));
		});
	});

	const unsubscribe = onAccessEvent((event) => {
		if (event.kind === 'sessions-ended') {
			const ended = endSessionSockets(io, event);
			if (ended > 0) logger.info({ userId: event.userId, cause: event.cause }, 'sockets closed after sessions ended');
			return;
		}
		if (revoke(io, event, (socket) => {
			const marker = pendingJoins.get(socket)?.get(event.patientId);
			if (marker) marker.revoked = true;
		}) > 0) {
			logger.info({ userId: event.userId, cause: event.cause }, 'sockets closed after access was revoked');
			announceViewers(event.patientId);
		}
	});
	// Every socket joined its person's room at the handshake; a notification goes to all of them.
	const unsubscribeNotifications = onNotification(({ userId, notification }) => {
		io.to(userRoom(userId)).emit('notification:new', notification);
	});
	const unsubscribeChat = attachChatMembershipEvents(io, { db, logger });
	const unsubscribeSchedule = attachScheduleChangeEvents(io);
	// app-server.ts closes this server with io.close(); stop listening to access events then.
	const close = io.close.bind(io);
	io.close = (callback) => {
		unsubscribe();
		unsubscribeChat();
		unsubscribeSchedule();
		unsubscribeNotifications();
		return close(callback);
	};

	return io;
}

/** The people in a chart's room, once each, by name. */
async function viewersOf(io: RealtimeServer, patientId: string): Promise<ChartViewer[]> {
	const sockets = await io.in(patientRoom(patientId)).fetchSockets();
	const byUser = new Map<string, ChartViewer>();
	for (const s of sockets) byUser.set(s.data.userId, { userId: s.data.userId, displayName: s.data.actor.displayName });
	return [...byUser.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/**
 * A person lost access to a patient: every socket of theirs leaves the patient's rooms and is
 * told so, and a socket that had the chart open is then disconnected (its page was showing
 * what it may no longer show). Synchronous up to the socket writes, so it happens at once.
 * Returns how many sockets were disconnected.
 */
/** Disconnects the sockets of ended sessions, telling each why; returns how many. */
function endSessionSockets(io: RealtimeServer, event: Extract<AccessEvent, { kind: 'sessions-ended' }>): number {
	const namespace = io.of('/');
	const ids = namespace.adapter.rooms.get(userRoom(event.userId));
	if (!ids) return 0;
	let ended = 0;
	for (const id of [...ids]) {
		const socket: RealtimeSocket | undefined = namespace.sockets.get(id);
		if (!socket) continue;
		if (event.onlySessionId && socket.data.actor?.sessionId !== event.onlySessionId) continue;
		socket.emit('session:ended', { reason: 'Your session has ended. Sign in again to continue.' });
		socket.disconnect(true);
		ended += 1;
	}
	return ended;
}

function revoke(io: RealtimeServer, event: AccessEvent, markPendingJoin: (socket: RealtimeSocket) => void): number {
	if (event.kind !== 'access-revoked') return 0;
	const room = patientRoom(event.patientId);
	const namespace = io.of('/');
	const ids = namespace.adapter.rooms.get(userRoom(event.userId));
	if (!ids) return 0;
	let dropped = 0;
	for (const id of [...ids]) {
		const socket: RealtimeSocket | undefined = namespace.sockets.get(id);
		if (!socket) continue;
		const joined = socket.rooms.has(room);
		markPendingJoin(socket);
		void socket.leave(room);
		socket.emit('access:revoked', { patientId: event.patientId, message: 'Your access to this record has ended.' });
		if (joined) {
			socket.disconnect(true);
			dropped += 1;
		}
	}
	return dropped;
}
