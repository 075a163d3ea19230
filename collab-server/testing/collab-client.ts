/**
 * Node-side collaboration clients: the same @hocuspocus/provider the browser uses, over `ws`
 * with the session cookie and an Origin header on the upgrade (what a browser sends).
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider';
import { waitUntil } from './wait';

/** A `ws` WebSocket that presents the signed-in person's cookie, as a browser tab would. */
export function cookieWebSocket(cookie: string, origin: string): new (address: string | URL, protocols?: string | string[]) => WebSocket {
	return class CookieWebSocket extends WebSocket {
		constructor(address: string | URL, protocols?: string | string[]) {
			super(address, protocols ?? [], { headers: { cookie, origin } });
			// The provider removes its listeners before closing a socket that is still connecting;
			// ws then emits 'error' with no listener, which Node turns into an uncaught exception.
			this.on('error', () => {});
		}
	};
}

/** ws://host:port/collab for an http://host:port server URL. */
export function collabUrl(serverUrl: string): string {
	return `${serverUrl.replace(/^http/, 'ws')}/collab`;
}

export interface CollabClientOptions {
	serverUrl: string;
	cookie: string;
	documentName: string;
	/** Reconnect quickly: the tests restart the server and want clients back at once. */
	reconnectDelayMs?: number;
}

export class CollabClient {
	readonly doc = new Y.Doc();
	readonly socket: HocuspocusProviderWebsocket;
	readonly provider: HocuspocusProvider;
	/** Stateless payloads the server sent (e.g. storage state). */
	readonly stateless: string[] = [];
	/** Reasons the server gave when it closed this document (permission denied, rejected update). */
	readonly refusals: string[] = [];

	constructor(readonly options: CollabClientOptions) {
		const delay = options.reconnectDelayMs ?? 100;
		this.socket = new HocuspocusProviderWebsocket({
			url: collabUrl(options.serverUrl),
			WebSocketPolyfill: cookieWebSocket(options.cookie, options.serverUrl),
			delay,
			minDelay: delay,
			maxDelay: delay * 4,
			factor: 1.5,
			jitter: false,
			maxAttempts: 0
		});
		this.provider = new HocuspocusProvider({
			websocketProvider: this.socket,
			name: options.documentName,
			document: this.doc,
			onStateless: ({ payload }) => this.stateless.push(payload),
			onAuthenticationFailed: ({ reason }) => this.refusals.push(reason)
		});
		this.provider.attach();
	}

	get connected(): boolean {
		return this.socket.status === WebSocketStatus.Connected;
	}

	/** Connected and caught up with the server: the moment an edit can be sent and confirmed. */
	get ready(): boolean {
		return this.connected && this.provider.isSynced && this.provider.isAuthenticated;
	}

	get unsyncedChanges(): number {
		return this.provider.unsyncedChanges;
	}

	whenReady(timeoutMs = 30_000): Promise<void> {
		return waitUntil(() => this.ready, {
			signals: [
				[this.provider, 'synced'],
				[this.provider, 'authenticated'],
				[this.socket, 'status']
			],
			timeoutMs,
			describe: () => `${this.options.documentName}: connected ${this.connected}, synced ${this.provider.isSynced}, refusals ${this.refusals.join('; ')}`
		});
	}

	/** Every change this client made has been confirmed by the server. */
	whenSaved(timeoutMs = 30_000): Promise<void> {
		return waitUntil(() => this.ready && this.provider.unsyncedChanges === 0, {
			signals: [
				[this.provider, 'unsyncedChanges'],
				[this.provider, 'synced'],
				[this.socket, 'status']
			],
			timeoutMs,
			describe: () => `unsyncedChanges ${this.provider.unsyncedChanges}, connected ${this.connected}`
		});
	}

	/** Stops reconnecting and closes the socket. */
	disconnect(): void {
		this.socket.disconnect();
	}

	connect(): void {
		void this.socket.connect();
	}

	destroy(): void {
		this.provider.destroy();
		this.socket.destroy();
		this.doc.destroy();
	}
}
