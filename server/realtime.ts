import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Database } from '../db/client';
import type { Logger } from '../app/lib/server/platform/logger';
import { resolveActor } from '../app/lib/server/auth/actor-from-session';
import { sessionTokenFromCookieHeader } from '../app/lib/server/auth/cookies';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import { isSameOrigin } from './origin';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

interface RealtimeOptions {
	db: Database;
	logger: Logger;
	sessionTtlMs: number;
	publicOrigin?: string;
}

/**
 * socket.io for chat, presence, notifications and call signaling, on the app's port. Handlers
 * stay thin: they read socket.data (the actor) and call domain modules.
 */
export function attachRealtime(httpServer: HttpServer, options: RealtimeOptions): RealtimeServer {
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
			const resolved = await resolveActor(options.db, token, options.sessionTtlMs, {
				sourceAddress: socket.handshake.address,
				requestId: null
			});
			if (!resolved) return next(new Error('Sign in first.'));
			socket.data = { userId: resolved.actor.userId, role: resolved.actor.role };
			await socket.join(`user:${resolved.actor.userId}`);
			next();
		} catch (error) {
			options.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'socket auth failed');
			next(new Error('Could not check your session. Try again.'));
		}
	});

	io.on('connection', (socket) => {
		socket.on('presence:ping', (ack) => {
			if (typeof ack !== 'function') return;
			ack({ userId: socket.data.userId, at: new Date().toISOString() });
		});
	});

	return io;
}
