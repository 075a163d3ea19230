/**
 * One benchmark client per person: a socket.io connection that sends, receives, decrypts and
 * receipts exactly as a browser tab does, minus the page. Three modes share the code:
 * - ours: the real chat events (chat:send, chat:message, chat:receipt) with end-to-end encryption;
 * - plain-e2ee: the bare socket.io server relaying the same envelopes (the crypto's share of the cost);
 * - plain: the bare server relaying plain text (the baseline the issue asks for).
 * All clients live in this process, so one clock times a message from before its encryption to
 * after its decryption on each recipient, and to the moment the sender sees the receipts.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { MessageEnvelope, RoomKeyShare, StoredMessage, ToDeviceMessage, UserKeys } from '../../app/lib/chat/protocol';
import { OutboundSession, SeenIndexes, openEnvelope, openRoomKey, sealRoomKey, verifyDeviceSignature, type RoomKey } from '../../app/lib/chat/crypto/index';
import type { PlainMessage, PlainReceipt } from './plain-server';
import type { BenchPerson } from './people';

export type Mode = 'ours' | 'plain-e2ee' | 'plain';

const body = 'Mrs. Patel in room 4 asks about Tuesday’s lab results; could you call her back before noon? Thanks.';

/** One message from its send to its last receipt. */
export interface SendRecord {
	key: string;
	t0: number;
	measured: boolean;
	conversationId: string;
	recipients: number;
	delivered: number;
	seq: number | null;
	/** Recipients whose delivered marker has not reached the message yet. */
	awaiting: Set<string>;
	/** Every receipt is back. */
	done: boolean;
	/** Refused or unanswered: nothing more will come. */
	failed: boolean;
}

export interface PhaseFigures {
	delivery: number[];
	/** The last recipient's delivery (fan-out complete). */
	allDelivered: number[];
	/** Send → the sender sees every recipient's delivered marker. */
	receipt: number[];
	/** Send → the server's acknowledgement (stored, numbered). */
	ack: number[];
	sent: number;
	expectedDeliveries: number;
	errors: number;
	firstError: string | null;
	encryptUs: number[];
	decryptUs: number[];
}

export class Recorder {
	measuring = false;
	readonly sends = new Map<string, SendRecord>();
	figures: PhaseFigures = Recorder.empty();

	static empty(): PhaseFigures {
		return { delivery: [], allDelivered: [], receipt: [], ack: [], sent: 0, expectedDeliveries: 0, errors: 0, firstError: null, encryptUs: [], decryptUs: [] };
	}

	reset(): void {
		this.sends.clear();
		this.figures = Recorder.empty();
	}

	error(message: string): void {
		this.figures.errors += 1;
		this.figures.firstError ??= message;
	}

	/** Measured messages still waiting for a delivery or a receipt. */
	outstanding(): number {
		let n = 0;
		for (const record of this.sends.values()) if (record.measured && !record.failed && (!record.done || record.delivered < record.recipients)) n += 1;
		return n;
	}
}

/** What every client knows of the others: the directory a real client fetches with keys:conversation-keys. */
export interface Directory {
	people: Map<string, BenchPerson>;
	byDevice: Map<string, BenchPerson>;
}

export class BenchClient {
	readonly socket: Socket;
	private readonly outbound = new Map<string, OutboundSession>();
	private readonly inbound = new Map<string, { roomKey: RoomKey; senderSigningKey: string }>();
	private readonly seen = new SeenIndexes();
	/** conversationId → my sends with a seq, oldest first, awaiting receipts. */
	private readonly pending = new Map<string, SendRecord[]>();
	/** conversationId → userId → delivered marker seen. */
	private readonly markers = new Map<string, Map<string, number>>();
	private counter = 0;
	private roomKeyWaiters: (() => void)[] = [];

	constructor(
		readonly person: BenchPerson,
		readonly mode: Mode,
		url: string,
		private readonly recorder: Recorder,
		private readonly members: Map<string, string[]>,
		cookie?: string
	) {
		this.socket = io(url, {
			path: '/socket.io',
			transports: ['websocket'],
			reconnection: false,
			forceNew: true,
			...(mode === 'ours' ? { extraHeaders: { cookie: cookie! } } : { auth: { userId: person.userId } })
		});
		if (mode === 'ours') {
			this.socket.on('chat:message', (message: StoredMessage) => this.onMessage(message.envelope.conversationId, message.seq, message.senderUserId, message.envelope, message.messageId));
			this.socket.on('chat:receipt', (receipt: PlainReceipt) => this.onReceipt(receipt));
			this.socket.on('keys:to-device', (message: ToDeviceMessage) => this.onToDevice(message));
		} else {
			this.socket.on('plain:message', (message: PlainMessage) => this.onMessage(message.conversationId, message.seq, message.senderUserId, message.payload, message.messageId));
			this.socket.on('plain:receipt', (receipt: PlainReceipt) => this.onReceipt(receipt));
		}
	}

	get encrypts(): boolean {
		return this.mode !== 'plain';
	}

	connected(): Promise<void> {
		if (this.socket.connected) return Promise.resolve();
		return new Promise((resolve, reject) => {
			this.socket.once('connect', () => resolve());
			this.socket.once('connect_error', (error) => reject(error));
		});
	}

	private request<T>(event: string, payload: unknown): Promise<T> {
		return new Promise((resolve, reject) => {
			this.socket.timeout(60_000).emit(event, payload, (error: Error | null, reply: { ok: boolean; error?: string; code?: string } & T) => {
				if (error) return reject(new Error(`${event}: no answer (${error.message})`));
				if (!reply.ok) return reject(new Error(`${event}: ${reply.error} (${reply.code ?? 'no code'})`));
				resolve(reply);
			});
		});
	}

	/** Ours: this socket acts for the person's signed device. */
	async claimDevice(): Promise<void> {
		await this.request('keys:claim-device', { deviceId: this.person.deviceId });
	}

	/** Ours: a conversation through the real API; returns its id. */
	async createConversation(kind: 'direct' | 'group', others: BenchPerson[]): Promise<string> {
		const reply = await this.request<{ conversation: { conversationId: string } }>('chat:create', {
			kind,
			...(kind === 'group' ? { title: 'Bench group' } : {}),
			memberUserIds: others.map((p) => p.userId)
		});
		return reply.conversation.conversationId;
	}

	/**
	 * Starts my sending session in a conversation and shares its key with every other member's
	 * device. Ours: the members' keys come from keys:conversation-keys (device signatures checked
	 * against identity keys, as the browser does) and the shares go through keys:share-room-key.
	 * plain-e2ee: the same sealed shares, handed over in memory.
	 */
	async startSession(conversationId: string, directory: Directory, deliverLocally?: (recipient: string, payload: string, from: BenchPerson, conversationId: string, sessionId: string) => void): Promise<void> {
		const session = OutboundSession.create(conversationId, this.person.deviceId);
		this.outbound.set(conversationId, session);
		const roomKey = session.roomKey(this.person.userId);
		const sender = { signingSecretKey: this.person.device.signing.secretKey, boxSecretKey: this.person.device.box.secretKey };
		let recipients: { deviceId: string; boxKey: string; userId: string }[];
		if (this.mode === 'ours') {
			const { users } = await this.request<{ users: UserKeys[] }>('keys:conversation-keys', { conversationId });
			recipients = users
				.filter((u) => u.userId !== this.person.userId && u.identityKey)
				.flatMap((u) => u.devices.filter((d) => verifyDeviceSignature(u.identityKey!, { ...d, signature: d.signature })).map((d) => ({ deviceId: d.deviceId, boxKey: d.boxKey, userId: u.userId })));
		} else {
			recipients = this.members
				.get(conversationId)!
				.filter((id) => id !== this.person.userId)
				.map((id) => directory.people.get(id)!)
				.map((p) => ({ deviceId: p.deviceId, boxKey: p.device.box.publicKey, userId: p.userId }));
		}
		const shares: RoomKeyShare[] = recipients.map((r) => ({ deviceId: r.deviceId, payload: sealRoomKey(roomKey, sender, r) }));
		if (this.mode === 'ours') await this.request('keys:share-room-key', { conversationId, sessionId: session.sessionId, shares });
		else for (const share of shares) deliverLocally!(share.deviceId, share.payload, this.person, conversationId, session.sessionId);
	}

	/** A room key share addressed to this device, from the server's to-device queue or in memory. */
	receiveRoomKey(payload: string, from: BenchPerson, expect: { conversationId: string; sessionId: string }): void {
		const roomKey = openRoomKey(
			payload,
			{ deviceId: this.person.deviceId, boxSecretKey: this.person.device.box.secretKey },
			{ signingKey: from.device.signing.publicKey, boxKey: from.device.box.publicKey, deviceId: from.deviceId },
			expect
		);
		this.inbound.set(roomKey.sessionId, { roomKey, senderSigningKey: from.device.signing.publicKey });
		const waiters = this.roomKeyWaiters;
		this.roomKeyWaiters = [];
		for (const wake of waiters) wake();
	}

	directory?: Directory;

	private onToDevice(message: ToDeviceMessage): void {
		if (message.kind !== 'room_key' || !message.conversationId || !message.sessionId) return;
		const from = this.directory?.byDevice.get(message.senderDeviceId);
		if (!from || from.userId !== message.senderUserId) return this.recorder.error('a room key from an unknown device');
		try {
			this.receiveRoomKey(message.payload, from, { conversationId: message.conversationId, sessionId: message.sessionId });
		} catch (error) {
			this.recorder.error(`room key: ${(error as Error).message}`);
		}
	}

	inboundSessions(): number {
		return this.inbound.size;
	}

	/** Resolves once this device holds `count` room keys. */
	async waitForRoomKeys(count: number): Promise<void> {
		while (this.inbound.size < count) await new Promise<void>((resolve) => this.roomKeyWaiters.push(resolve));
	}

	send(conversationId: string): void {
		const recorder = this.recorder;
		const recipients = this.members.get(conversationId)!.filter((id) => id !== this.person.userId);
		const t0 = performance.now();
		let key: string;
		let payload: unknown;
		if (this.encrypts) {
			const envelope = this.outbound.get(conversationId)!.encrypt({ body, composedAt: Date.now() }, this.person.device.signing.secretKey);
			key = `${envelope.sessionId}:${envelope.index}`;
			payload = envelope;
			if (recorder.measuring) recorder.figures.encryptUs.push((performance.now() - t0) * 1000);
		} else {
			key = `${this.person.userId}:${this.counter++}`;
			payload = { key, body, composedAt: Date.now() };
		}
		const record: SendRecord = { key, t0, measured: recorder.measuring, conversationId, recipients: recipients.length, delivered: 0, seq: null, awaiting: new Set(recipients), done: false, failed: false };
		recorder.sends.set(key, record);
		if (record.measured) {
			recorder.figures.sent += 1;
			recorder.figures.expectedDeliveries += recipients.length;
		}
		const onAck = (error: Error | null, reply: { ok: boolean; error?: string; message?: { seq: number } }) => {
			if (error || !reply.ok || !reply.message) {
				record.failed = true;
				return recorder.error(error ? `no acknowledgement: ${error.message}` : `refused: ${reply.error}`);
			}
			if (record.measured) recorder.figures.ack.push(performance.now() - t0);
			record.seq = reply.message.seq;
			const list = this.pending.get(conversationId) ?? [];
			list.push(record);
			this.pending.set(conversationId, list);
			this.settleReceipts(conversationId);
		};
		if (this.mode === 'ours') this.socket.timeout(30_000).emit('chat:send', { envelope: payload as MessageEnvelope }, onAck);
		else this.socket.timeout(30_000).emit('plain:send', { conversationId, payload }, onAck);
	}

	private onMessage(conversationId: string, seq: number, senderUserId: string | null, payload: unknown, messageId: string): void {
		if (senderUserId === this.person.userId) return;
		const recorder = this.recorder;
		let key: string;
		if (this.encrypts) {
			const envelope = payload as MessageEnvelope;
			const session = this.inbound.get(envelope.sessionId);
			if (!session) return recorder.error('a message whose room key this device does not hold');
			const started = performance.now();
			try {
				const content = openEnvelope(envelope, session, { indexes: this.seen, messageId });
				if (content.body !== body) throw new Error('the decrypted text differs');
			} catch (error) {
				return recorder.error(`decrypt: ${(error as Error).message}`);
			}
			if (recorder.measuring) recorder.figures.decryptUs.push((performance.now() - started) * 1000);
			key = `${envelope.sessionId}:${envelope.index}`;
		} else {
			key = (payload as { key: string }).key;
		}
		const record = recorder.sends.get(key);
		if (record) {
			const ms = performance.now() - record.t0;
			record.delivered += 1;
			if (record.measured) {
				recorder.figures.delivery.push(ms);
				if (record.delivered === record.recipients) recorder.figures.allDelivered.push(ms);
			}
		}
		const receipt = { conversationId, deliveredSeq: seq };
		const onReceiptAck = (reply: { ok: boolean; error?: string }) => {
			if (!reply?.ok) recorder.error(`receipt refused: ${reply?.error ?? 'no reason'}`);
		};
		this.socket.emit(this.mode === 'ours' ? 'chat:receipt' : 'plain:receipt', receipt, onReceiptAck);
	}

	private onReceipt(receipt: PlainReceipt): void {
		if (receipt.userId === this.person.userId) return;
		const markers = this.markers.get(receipt.conversationId) ?? new Map<string, number>();
		this.markers.set(receipt.conversationId, markers);
		markers.set(receipt.userId, Math.max(markers.get(receipt.userId) ?? 0, receipt.deliveredSeq));
		this.settleReceipts(receipt.conversationId);
	}

	/** My sends in the conversation that every recipient's marker now covers. */
	private settleReceipts(conversationId: string): void {
		const list = this.pending.get(conversationId);
		const markers = this.markers.get(conversationId);
		if (!list || !markers) return;
		const now = performance.now();
		for (const record of list) {
			for (const userId of record.awaiting) if ((markers.get(userId) ?? 0) >= record.seq!) record.awaiting.delete(userId);
			if (record.awaiting.size === 0 && !record.done) {
				record.done = true;
				if (record.measured) this.recorder.figures.receipt.push(now - record.t0);
			}
		}
		this.pending.set(
			conversationId,
			list.filter((r) => !r.done)
		);
	}

	close(): void {
		this.socket.disconnect();
	}
}
