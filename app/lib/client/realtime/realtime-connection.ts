import { io, type Socket } from 'socket.io-client';
import { sessionRefusedMessage, type ClientToServerEvents, type ServerToClientEvents } from '$lib/realtime/events';

/**
 * The one socket.io connection of this browser tab (notifications, session ends, chart presence).
 * The session cookie authenticates the handshake on the page's own origin (server/realtime.ts
 * checks Origin), so nothing secret lives here.
 *
 * Taken and given back by the components that listen on it: the last one to give it back closes
 * it. That matters at sign-out and sign-in: the socket is bound to the person whose cookie opened
 * it, so a page outside the signed-in layouts (the sign-in page) must not keep it for the next
 * person to sign in at this browser.
 */
export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the server's handshake check answers when the cookie has no live session (server/realtime.ts). */
export { sessionRefusedMessage };

const retryDelayMs = { first: 1_000, max: 30_000 };

let shared: { socket: RealtimeSocket; users: number; stop: () => void } | null = null;

/** The tab's connection, made on first use (browser only); pair each call with one releaseRealtimeConnection(). */
export function acquireRealtimeConnection(): RealtimeSocket {
	if (typeof window === 'undefined') throw new Error('The realtime connection exists in the browser only.');
	if (shared) {
		shared.users += 1;
		return shared.socket;
	}
	const socket: RealtimeSocket = io({
		path: '/socket.io',
		// The server's upgrade path is all it needs; long-polling would add a second cookie-bearing route.
		transports: ['websocket'],
		reconnection: true,
		reconnectionDelay: retryDelayMs.first,
		reconnectionDelayMax: retryDelayMs.max
	});
	shared = { socket, users: 1, stop: retryRefusedHandshakes(socket) };
	return socket;
}

export function releaseRealtimeConnection(): void {
	if (!shared) return;
	shared.users -= 1;
	if (shared.users > 0) return;
	shared.stop();
	shared.socket.disconnect();
	shared = null;
}

/**
 * socket.io reconnects by itself after a lost transport, but not after the server's handshake
 * check refused it. "Sign in first." is final (the session is gone, see watchSessionEnd); any
 * other refusal ("Could not check your session", a database hiccup) is tried again with a
 * growing pause.
 */
function retryRefusedHandshakes(socket: RealtimeSocket): () => void {
	let delay = retryDelayMs.first;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const onError = (error: Error) => {
		if (socket.active || error.message === sessionRefusedMessage) return;
		clearTimeout(timer);
		timer = setTimeout(() => socket.connect(), delay);
		delay = Math.min(delay * 2, retryDelayMs.max);
	};
	const onConnect = () => {
		delay = retryDelayMs.first;
	};
	socket.on('connect_error', onError);
	socket.on('connect', onConnect);
	return () => {
		clearTimeout(timer);
		socket.off('connect_error', onError);
		socket.off('connect', onConnect);
	};
}
