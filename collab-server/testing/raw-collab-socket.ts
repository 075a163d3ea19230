/**
 * A bare websocket to /collab (no provider): sends hand-made frames and tells, with a
 * websocket ping, when the server has taken each one in (ws answers a ping only after every
 * frame before it was read), or that the server closed the socket because of it.
 */
import { WebSocket } from 'ws';
import { authTypes, authFrame, frameTypes, readServerFrame, syncStep1Frame, type ServerFrame } from './hocuspocus-frames';
import { collabUrl } from './collab-client';

export interface SocketClose {
	code: number;
	reason: string;
}

export class RawCollabSocket {
	readonly received: ServerFrame[] = [];
	closeEvent: SocketClose | null = null;
	private readonly closed: Promise<SocketClose>;
	private readonly frameListeners = new Set<(frame: ServerFrame) => void>();

	private constructor(readonly ws: WebSocket) {
		this.closed = new Promise((resolve) =>
			ws.once('close', (code, reason) => {
				this.closeEvent = { code, reason: reason.toString() };
				resolve(this.closeEvent);
			})
		);
		ws.on('error', () => {});
		ws.on('message', (data: Buffer) => {
			if (data.length === 1 && data[0] === frameTypes.ping) return;
			let frame: ServerFrame;
			try {
				frame = readServerFrame(new Uint8Array(data));
			} catch {
				return;
			}
			if (this.received.length < 1000) this.received.push(frame);
			for (const listener of this.frameListeners) listener(frame);
		});
	}

	static open(serverUrl: string, cookie: string, timeoutMs = 10_000): Promise<RawCollabSocket> {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(collabUrl(serverUrl), { headers: { cookie, origin: serverUrl }, handshakeTimeout: timeoutMs });
			const socket = new RawCollabSocket(ws);
			ws.once('open', () => resolve(socket));
			ws.once('error', reject);
			ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
		});
	}

	get isOpen(): boolean {
		return this.ws.readyState === WebSocket.OPEN;
	}

	whenClosed(): Promise<SocketClose> {
		return this.closed;
	}

	onFrame(listener: (frame: ServerFrame) => void): () => void {
		this.frameListeners.add(listener);
		return () => this.frameListeners.delete(listener);
	}

	send(frame: Uint8Array | string): void {
		this.ws.send(frame);
	}

	/**
	 * Resolves 'taken' once the server has read everything sent before (its pong), or 'closed'
	 * when the socket closed first; rejects if neither happens within the timeout.
	 */
	roundTrip(timeoutMs = 10_000): Promise<'taken' | 'closed'> {
		if (!this.isOpen) return Promise.resolve('closed');
		return new Promise((resolve, reject) => {
			const onPong = () => done('taken');
			const timer = setTimeout(() => {
				this.ws.off('pong', onPong);
				reject(new Error(`no pong and no close within ${timeoutMs} ms`));
			}, timeoutMs);
			const done = (result: 'taken' | 'closed') => {
				clearTimeout(timer);
				this.ws.off('pong', onPong);
				resolve(result);
			};
			this.ws.once('pong', onPong);
			void this.closed.then(() => done('closed'));
			this.ws.ping();
		});
	}

	/** Opens a document the way a provider does; resolves with null when authorized, else the reason. */
	openDocument(documentName: string, stateVector = new Uint8Array([0]), timeoutMs = 10_000): Promise<string | null> {
		return new Promise((resolve, reject) => {
			const stop = this.onFrame((frame) => {
				if (frame.documentName !== documentName || frame.type !== frameTypes.auth || !frame.auth) return;
				finish();
				resolve(frame.auth.type === authTypes.authenticated ? null : frame.auth.text || 'permission denied');
			});
			const timer = setTimeout(() => {
				finish();
				reject(new Error(`${documentName} was neither authorized nor refused within ${timeoutMs} ms`));
			}, timeoutMs);
			const finish = () => {
				stop();
				clearTimeout(timer);
			};
			void this.closed.then((close) => {
				finish();
				resolve(`socket closed: ${close.code} ${close.reason}`);
			});
			this.send(authFrame(documentName));
			this.send(syncStep1Frame(documentName, stateVector));
		});
	}

	close(): void {
		this.ws.close();
	}

	terminate(): void {
		this.ws.terminate();
	}
}
