/**
 * Chat requests over the tab's realtime socket: every request is answered by a ChatAck, which
 * this turns into a value or a ChatRequestError carrying the server's sentence and code (so the
 * session manager can rotate on 'stale_session', the UI can show "read only"). A request the
 * server does not answer in time fails with code 'timeout' instead of hanging a send forever.
 */
import type { ChatErrorCode } from '$lib/chat/protocol';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from '$lib/realtime/chat-events';
import type { RealtimeSocket } from '$lib/client/realtime/realtime-connection';

export type ChatRequestName = keyof ChatClientToServerEvents;
export type ChatRequestPayload<E extends ChatRequestName> = Parameters<ChatClientToServerEvents[E]>[0];
type ChatReply<E extends ChatRequestName> = Parameters<Parameters<ChatClientToServerEvents[E]>[1]>[0];
export type ChatRequestResult<E extends ChatRequestName> = Extract<ChatReply<E>, { ok: true }>;
export type ChatPushName = keyof ChatServerToClientEvents;

export class ChatRequestError extends Error {
	readonly code: ChatErrorCode | 'timeout';
	constructor(message: string, code: ChatErrorCode | 'timeout') {
		super(message);
		this.name = 'ChatRequestError';
		this.code = code;
	}
}

export interface ChatTransport {
	request<E extends ChatRequestName>(event: E, payload: ChatRequestPayload<E>): Promise<ChatRequestResult<E>>;
	on<E extends ChatPushName>(event: E, listener: ChatServerToClientEvents[E]): void;
	off<E extends ChatPushName>(event: E, listener: ChatServerToClientEvents[E]): void;
	/** Called after every reconnection (not the first connection): the device room must be joined again. */
	onReconnect(listener: () => void): () => void;
}

const requestTimeoutMs = 30_000;

export function socketTransport(socket: RealtimeSocket): ChatTransport {
	return {
		async request(event, payload) {
			let reply: { ok: boolean; error?: string; code?: ChatErrorCode };
			try {
				// The typed emitWithAck cannot follow a generic event name; the event map above is the contract.
				const emitter = socket.timeout(requestTimeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<typeof reply> };
				reply = await emitter.emitWithAck(event, payload);
			} catch {
				throw new ChatRequestError('The server did not answer in time. Check your connection and try again.', 'timeout');
			}
			if (!reply || typeof reply !== 'object') throw new ChatRequestError('The server sent an unexpected answer.', 'invalid');
			if (!reply.ok) throw new ChatRequestError(reply.error ?? 'The server refused the request.', reply.code ?? 'invalid');
			return reply as never;
		},
		on(event, listener) {
			(socket as unknown as { on(event: string, listener: unknown): void }).on(event, listener);
		},
		off(event, listener) {
			(socket as unknown as { off(event: string, listener: unknown): void }).off(event, listener);
		},
		onReconnect(listener) {
			let first = !socket.connected;
			const onConnect = () => {
				if (first) {
					first = false;
					return;
				}
				listener();
			};
			socket.on('connect', onConnect);
			return () => {
				socket.off('connect', onConnect);
			};
		}
	};
}
