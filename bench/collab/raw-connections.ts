/**
 * Light connections for the memory and connection-count figures: a bare `ws` socket that opens
 * one document and syncs it, with no Y.Doc on the client, so that 5,000 of them fit in the
 * benchmark process next to everything else.
 */
import { WebSocket } from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { authFrame, frameTypes, readServerFrame, syncStep1Frame, syncTypes } from '../../collab-server/testing/hocuspocus-frames';
import type { BenchServer } from './server-handle';

const emptyStateVector = new Uint8Array([0]);

export interface RawConnection {
	ws: WebSocket;
	/** Sends the open + sync request for a document and resolves when its state arrived (ms taken). */
	open(documentName: string, timeoutMs?: number): Promise<number>;
	close(): void;
}

function yWebsocketStep1(): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0); // messageSync
	encoding.writeVarUint(encoder, syncTypes.step1);
	encoding.writeVarUint8Array(encoder, emptyStateVector);
	return encoding.toUint8Array(encoder);
}

function isStep2For(server: BenchServer, data: Uint8Array, documentName: string): boolean {
	try {
		if (server.kind === 'y-websocket') {
			const decoder = decoding.createDecoder(data);
			return decoding.readVarUint(decoder) === 0 && decoding.readVarUint(decoder) === syncTypes.step2;
		}
		const frame = readServerFrame(data);
		return frame.documentName === documentName && frame.type === frameTypes.sync && frame.syncType === syncTypes.step2;
	} catch {
		return false;
	}
}

/**
 * A websocket to the server. For y-websocket the document is the URL path, so the socket is
 * opened for one document; Hocuspocus multiplexes documents over one socket.
 */
export function connectRaw(server: BenchServer, cookie: string | undefined, yDocumentName?: string, timeoutMs = 60_000): Promise<RawConnection> {
	const url = server.kind === 'y-websocket' ? `${server.wsUrl}/${yDocumentName}` : server.wsUrl;
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers: cookie ? { cookie } : {}, handshakeTimeout: timeoutMs, perMessageDeflate: false });
		const waiting = new Map<string, (data: Uint8Array) => boolean>();
		ws.on('message', (data: Buffer) => {
			const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
			// Hocuspocus' keep-alive: answer its ping, as the provider does.
			if (bytes.length === 1 && bytes[0] === frameTypes.ping) return ws.send(new Uint8Array([frameTypes.pong]));
			for (const [name, check] of waiting) if (check(bytes)) waiting.delete(name);
		});
		ws.once('error', reject);
		ws.once('open', () => {
			ws.on('error', () => {});
			resolve({
				ws,
				open(documentName, openTimeoutMs = 60_000) {
					return new Promise((resolveOpen, rejectOpen) => {
						const startedAt = performance.now();
						const timer = setTimeout(() => {
							waiting.delete(documentName);
							rejectOpen(new Error(`${documentName} did not sync within ${openTimeoutMs} ms`));
						}, openTimeoutMs);
						waiting.set(documentName, (data) => {
							if (!isStep2For(server, data, documentName)) return false;
							clearTimeout(timer);
							resolveOpen(performance.now() - startedAt);
							return true;
						});
						ws.once('close', () => {
							clearTimeout(timer);
							rejectOpen(new Error(`socket closed while opening ${documentName}`));
						});
						if (server.kind === 'y-websocket') ws.send(yWebsocketStep1());
						else {
							ws.send(authFrame(documentName));
							ws.send(syncStep1Frame(documentName, emptyStateVector));
						}
					});
				},
				close: () => ws.terminate()
			});
		});
	});
}

/** Opens `count` connections, `concurrency` at a time, each on documentFor(i); failures are counted. */
export async function openMany(
	server: BenchServer,
	cookie: string | undefined,
	count: number,
	documentFor: (index: number) => string,
	concurrency = 100
): Promise<{ connections: RawConnection[]; failures: string[]; ms: number }> {
	const connections: RawConnection[] = [];
	const failures: string[] = [];
	const startedAt = performance.now();
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			const name = documentFor(index);
			try {
				const connection = await connectRaw(server, cookie, name);
				connections.push(connection);
				await connection.open(name);
			} catch (error) {
				failures.push((error as Error).message);
			}
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { connections, failures, ms: performance.now() - startedAt };
}
