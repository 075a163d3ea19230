import { sessionRefusedMessage } from './realtime-connection';

/** The part of the tab's socket the watch listens on (a test passes a plain emitter). */
export interface SessionEndSource {
	readonly active: boolean;
	on(event: 'session:ended', listener: (payload: { reason: string }) => void): unknown;
	on(event: 'connect_error', listener: (error: Error) => void): unknown;
	off(event: 'session:ended', listener: (payload: { reason: string }) => void): unknown;
	off(event: 'connect_error', listener: (error: Error) => void): unknown;
}

/**
 * Notices that this tab's session ended somewhere else (signed out on another device or in
 * another tab, "sign out everywhere", an administrator deactivating the account) and calls
 * `onEnded` once, so the page can go to the sign-in page instead of showing data it may no
 * longer show until the next click fails.
 *
 * Two signals: the server's 'session:ended' while connected, and a reconnect the server refuses
 * with "Sign in first." (the session ended while the socket was away: a laptop asleep, a server
 * restart). When this tab is leaving on its own (its sign-out form, the automatic logoff), the
 * server's 'session:ended' is the echo of that and the tab's own navigation wins.
 */
export class SessionEndWatch {
	#leaving = false;
	#ended = false;
	readonly #onEnded: () => void;

	constructor(onEnded: () => void) {
		this.#onEnded = onEnded;
	}

	/** This tab is signing out by itself: whatever the server says next is expected. */
	leaving(): void {
		this.#leaving = true;
	}

	attach(source: SessionEndSource): () => void {
		const end = () => {
			if (this.#leaving || this.#ended) return;
			this.#ended = true;
			this.#onEnded();
		};
		const onEnded = () => end();
		const onConnectError = (error: Error) => {
			// A transport error reconnects by itself (active); only the handshake check's "no session" is final.
			if (!source.active && error.message === sessionRefusedMessage) end();
		};
		source.on('session:ended', onEnded);
		source.on('connect_error', onConnectError);
		return () => {
			source.off('session:ended', onEnded);
			source.off('connect_error', onConnectError);
		};
	}
}
