/**
 * socket.io event names and payloads, shared by the server (server/realtime.ts) and the browser.
 * One map per direction; emit and on are typed from these, never from strings.
 */
export interface ServerToClientEvents {
	/** The session ended (signed out elsewhere, expired, revoked): the page should go to sign-in. */
	'session:ended': (payload: { reason: string }) => void;
}

export interface ClientToServerEvents {
	/** Liveness check with acknowledgement; also lets a test see the socket is authenticated. */
	'presence:ping': (ack: (reply: { userId: string; at: string }) => void) => void;
}

export interface InterServerEvents {}

export interface SocketData {
	userId: string;
	role: string;
}
