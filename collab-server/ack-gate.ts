import type { WebSocketLike } from '@hocuspocus/server';
import { messageTypes, readFrameHeader } from './protocol';

/**
 * Holds back the "saved" acknowledgement (Hocuspocus' SyncStatus frame) until the document's
 * updates are durable. Hocuspocus sends it as soon as an update is in memory; here it waits
 * until every update applied before it is committed to the log, so a client that saw
 * "saved" can lose nothing to a crash. Every other frame passes straight through: collaborators
 * see each other's edits at once, whatever the database is doing.
 */
export class AckGatedSocket implements WebSocketLike {
	/** Per document, the last acknowledgement sent or waiting, so they go out in order. */
	private readonly chains = new Map<string, Promise<void>>();

	constructor(
		private readonly socket: WebSocketLike,
		private readonly whenDurable: (documentName: string) => Promise<void>
	) {}

	get readyState(): number {
		return this.socket.readyState;
	}

	send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
		if (!(data instanceof Uint8Array)) return this.socket.send(data);
		let header;
		try {
			header = readFrameHeader(data);
		} catch {
			return this.socket.send(data);
		}
		if (header.type !== messageTypes.syncStatus) return this.socket.send(data);
		const durable = this.whenDurable(header.documentName);
		const previous = this.chains.get(header.documentName) ?? Promise.resolve();
		const next = Promise.all([previous, durable]).then(() => {
			if (this.socket.readyState === 1) this.socket.send(data);
			if (this.chains.get(header.documentName) === next) this.chains.delete(header.documentName);
		});
		this.chains.set(header.documentName, next);
	}

	close(code?: number, reason?: string): void {
		this.socket.close(code, reason);
	}
}
