/**
 * The baseline: a bare socket.io server in a child process of its own, relaying the same
 * traffic as the chat server with nothing else — no database, no signature or access checks, no
 * audit: `node --import tsx plain-server.ts <port>`. Members per conversation arrive over IPC
 * ({type:'conversations'}); a client names its person in the handshake's auth. Answers {type:'cpu'}
 * with its CPU time so far.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';

export type PlainChildMessage = { type: 'ready' } | { type: 'conversations-set' } | { type: 'cpu'; usage: NodeJS.CpuUsage };
export type PlainChildRequest = { type: 'conversations'; members: Record<string, string[]> } | { type: 'cpu' };

/** What the baseline relays: the payload is opaque to it (plain text or an envelope). */
export interface PlainMessage {
	messageId: string;
	conversationId: string;
	seq: number;
	senderUserId: string;
	payload: unknown;
	sentAt: string;
}

export interface PlainReceipt {
	conversationId: string;
	userId: string;
	deliveredSeq: number;
	readSeq: number;
}

const port = Number(process.argv[2]);
const members = new Map<string, string[]>();
const lastSeq = new Map<string, number>();
/** conversationId → userId → delivered marker; moves forward only, as the real server's does. */
const delivered = new Map<string, Map<string, number>>();
const userRoom = (userId: string) => `user:${userId}`;

const http = createServer((_req, res) => res.end('plain socket.io'));
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 1024 * 1024 });

io.use((socket, next) => {
	const userId = (socket.handshake.auth as { userId?: unknown }).userId;
	if (typeof userId !== 'string') return next(new Error('name a user'));
	socket.data.userId = userId;
	void socket.join(userRoom(userId));
	next();
});

io.on('connection', (socket) => {
	const userId = socket.data.userId as string;
	socket.on('plain:send', (input: { conversationId: string; payload: unknown }, ack: (reply: { ok: true; message: PlainMessage } | { ok: false; error: string }) => void) => {
		const to = members.get(input?.conversationId);
		if (!to?.includes(userId)) return ack({ ok: false, error: 'not a member' });
		const seq = (lastSeq.get(input.conversationId) ?? 0) + 1;
		lastSeq.set(input.conversationId, seq);
		const message: PlainMessage = { messageId: randomUUID(), conversationId: input.conversationId, seq, senderUserId: userId, payload: input.payload, sentAt: new Date().toISOString() };
		io.to(to.map(userRoom)).emit('plain:message', message);
		ack({ ok: true, message });
	});
	socket.on('plain:receipt', (input: { conversationId: string; deliveredSeq: number }, ack: (reply: { ok: boolean }) => void) => {
		const to = members.get(input?.conversationId);
		if (!to?.includes(userId)) return ack({ ok: false });
		const markers = delivered.get(input.conversationId) ?? new Map<string, number>();
		delivered.set(input.conversationId, markers);
		if (input.deliveredSeq > (markers.get(userId) ?? 0)) {
			markers.set(userId, input.deliveredSeq);
			io.to(to.map(userRoom)).emit('plain:receipt', { conversationId: input.conversationId, userId, deliveredSeq: input.deliveredSeq, readSeq: 0 } satisfies PlainReceipt);
		}
		ack({ ok: true });
	});
});

process.on('message', (message: PlainChildRequest) => {
	if (message.type === 'cpu') return process.send!({ type: 'cpu', usage: process.cpuUsage() } satisfies PlainChildMessage);
	for (const [conversationId, userIds] of Object.entries(message.members)) members.set(conversationId, userIds);
	process.send!({ type: 'conversations-set' } satisfies PlainChildMessage);
});

process.once('SIGINT', () => process.exit(0));
http.listen(port, '127.0.0.1', () => process.send!({ type: 'ready' } satisfies PlainChildMessage));
