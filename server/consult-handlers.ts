/**
 * socket.io handlers of video consults (issue 7): the waiting room, admission, WebRTC signaling,
 * sealed call keys, in-call chat, the shared view and recording consent. Thin: each handler
 * validates its payload and calls app/lib/server/consults/*, which passes the access module.
 */
import type { Server, Socket } from 'socket.io';
import type { Database } from '../db/client';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import type { AppConfig } from '../app/lib/server/platform/config';
import type { Logger } from '../app/lib/server/platform/logger';

export type ConsultServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ConsultSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ConsultHandlerDeps {
	db: Database;
	logger: Logger;
	config: AppConfig;
}

// Filled in by the consult-core work (issue 7).
export function registerConsultHandlers(_io: ConsultServer, _socket: ConsultSocket, _deps: ConsultHandlerDeps): void {}
