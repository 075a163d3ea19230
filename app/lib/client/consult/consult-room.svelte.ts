import type { Ack } from '$lib/realtime/events';
import type { ConsultClientToServerEvents, ConsultServerToClientEvents, ConsultState, DeviceCheckVerdict, SignalPayload } from '$lib/realtime/consult-events';
import { SessionKeys, decryptChat, encryptChat, makeCallKey, sealCallKey } from './call-keys';

/**
 * One consult as this browser tab sees it, over the tab's socket (realtime-connection.ts):
 * the waiting room (status, position, the clinician's messages), the call's roster, the call
 * key, the encrypted chat and the clinician's queue actions. The server pushes the whole
 * `consult:state` for this recipient on every change, so this class keeps no state of its own
 * about others: it shows the latest push. After a lost connection it enters again with the same
 * session key; the server puts it back where it was (waiting or in the call).
 */

type ServerEvents = ConsultServerToClientEvents;
type ClientEvents = ConsultClientToServerEvents;

/** The part of the tab's socket this uses (a test passes a fake). */
export interface ConsultSocket {
	connected: boolean;
	on<E extends keyof ServerEvents>(event: E, listener: ServerEvents[E]): unknown;
	off<E extends keyof ServerEvents>(event: E, listener: ServerEvents[E]): unknown;
	on(event: 'connect' | 'disconnect', listener: () => void): unknown;
	off(event: 'connect' | 'disconnect', listener: () => void): unknown;
	emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): unknown;
}

export type RoomPhase = 'idle' | 'entering' | 'waiting' | 'in-call' | 'closed';

export interface WaitingMessage {
	from: string;
	text: string;
	at: string;
}

export interface ChatLine {
	id: number;
	from: string;
	fromName: string;
	text: string;
	at: string;
	mine: boolean;
}

const closedReasons: Record<string, string> = {
	ended: 'The clinician ended the video visit.',
	declined: 'The clinician could not see you in this video visit.',
	removed: 'You were removed from the video visit.',
	revoked: 'Your access to this visit ended.',
	signed_out: 'You were signed out.'
};

const offline = 'Not connected to the clinic right now. Wait a moment and try again.';
/** socket.io holds emits made while disconnected and sends them on reconnect; we wait this long for an answer. */
const requestTimeoutMs = 15_000;

export class ConsultRoom {
	readonly consultId: string;
	state = $state.raw<ConsultState | null>(null);
	phase = $state<RoomPhase>('idle');
	connection = $state<'connecting' | 'live' | 'offline'>('connecting');
	/** A refusal or failure, as a sentence. */
	problem = $state('');
	/** Why the visit closed for us, as a sentence. */
	closedBecause = $state('');
	waitingMessages = $state<WaitingMessage[]>([]);
	chat = $state<ChatLine[]>([]);
	/** Whether we hold the call key (chat and, on LiveKit, media encryption need it). */
	hasCallKey = $state(false);
	/** For a polite live region. */
	announcement = $state('');

	#socket: ConsultSocket | null = null;
	#keys: SessionKeys | null = null;
	#deviceCheck: DeviceCheckVerdict | null = null;
	#entered = false;
	/** Every call key we have held, newest first (chat sent under an older one still opens). */
	#callKeys: Uint8Array[] = [];
	/** Host: to whom (participantId → their public key) the current call key was sealed. */
	#sealedTo = new Map<string, string>();
	#signalListeners = new Set<(from: string, signal: SignalPayload) => void>();
	#keyListeners = new Set<(key: Uint8Array) => void>();
	#peerListeners = new Set<(peerIds: string[]) => void>();
	#chatId = 0;
	#detach: (() => void) | null = null;

	constructor(consultId: string) {
		this.consultId = consultId;
	}

	get selfId(): string | null {
		return this.state?.you.participantId ?? null;
	}

	get isClinician(): boolean {
		const role = this.state?.you.role;
		return role === 'host' || role === 'clinician';
	}

	get isHost(): boolean {
		return this.state?.you.role === 'host';
	}

	get callKey(): Uint8Array | null {
		return this.#callKeys[0] ?? null;
	}

	/** Admitted others whose socket is connected: the peers of the media mesh. */
	get onlinePeerIds(): string[] {
		const self = this.selfId;
		return (this.state?.inCall ?? []).filter((p) => p.online && p.participantId !== self).map((p) => p.participantId);
	}

	attach(socket: ConsultSocket): () => void {
		this.#socket = socket;
		const onState = (state: ConsultState) => {
			if (state.consultId === this.consultId) this.#apply(state);
		};
		const onWaitingMessage: ServerEvents['consult:waiting-message'] = (message) => {
			if (message.consultId !== this.consultId) return;
			this.waitingMessages = [...this.waitingMessages, { from: message.from, text: message.text, at: message.at }];
			this.announcement = `Message from ${message.from}: ${message.text}`;
		};
		const onSignal: ServerEvents['consult:signal'] = ({ consultId, from, signal }) => {
			if (consultId !== this.consultId) return;
			for (const listener of this.#signalListeners) listener(from, signal);
		};
		const onKey: ServerEvents['consult:key'] = ({ consultId, from, sealed }) => {
			if (consultId !== this.consultId || !this.#keys) return;
			// Only the host hands out the call key.
			const sender = this.state?.inCall.find((p) => p.participantId === from);
			if (!sender || sender.role !== 'host') return;
			const key = this.#keys.openCallKey(sealed);
			if (key) this.#useCallKey(key);
		};
		const onChat: ServerEvents['consult:chat'] = ({ consultId, from, fromName, nonce, ciphertext, at }) => {
			if (consultId !== this.consultId) return;
			const text = decryptChat(this.#callKeys, from, { nonce, ciphertext });
			const line: ChatLine = { id: ++this.#chatId, from, fromName, at, mine: false, text: text ?? '(A message this browser could not decrypt.)' };
			this.chat = [...this.chat, line];
			if (text !== null) this.announcement = `${fromName}: ${text}`;
		};
		const onClosed: ServerEvents['consult:closed'] = ({ consultId, reason }) => {
			if (consultId !== this.consultId) return;
			this.phase = 'closed';
			this.#entered = false;
			this.closedBecause = closedReasons[reason] ?? reason;
			this.announcement = this.closedBecause;
		};
		const onConnect = () => {
			this.connection = 'live';
			// Back after a drop: enter again so the server puts this socket back in its rooms.
			if (this.#entered) void this.#enter();
		};
		const onDisconnect = () => {
			this.connection = 'offline';
		};
		socket.on('consult:state', onState);
		socket.on('consult:waiting-message', onWaitingMessage);
		socket.on('consult:signal', onSignal);
		socket.on('consult:key', onKey);
		socket.on('consult:chat', onChat);
		socket.on('consult:closed', onClosed);
		socket.on('connect', onConnect);
		socket.on('disconnect', onDisconnect);
		this.connection = socket.connected ? 'live' : 'connecting';
		this.#detach = () => {
			socket.off('consult:state', onState);
			socket.off('consult:waiting-message', onWaitingMessage);
			socket.off('consult:signal', onSignal);
			socket.off('consult:key', onKey);
			socket.off('consult:chat', onChat);
			socket.off('consult:closed', onClosed);
			socket.off('connect', onConnect);
			socket.off('disconnect', onDisconnect);
			if (this.#entered && socket.connected) socket.emit('consult:leave', { consultId: this.consultId });
			this.#entered = false;
			this.#socket = null;
		};
		return () => this.#detach?.();
	}

	/** Enter: a patient goes to the waiting room, a clinician into the call. */
	async enter(deviceCheck: DeviceCheckVerdict | null): Promise<boolean> {
		this.#deviceCheck = deviceCheck;
		this.#keys ??= await SessionKeys.create();
		this.phase = 'entering';
		this.#entered = true;
		return this.#enter();
	}

	async #enter(): Promise<boolean> {
		const socket = this.#socket;
		if (!socket || !this.#keys) return false;
		const reply = await this.#request<{ state: ConsultState }>('consult:enter', { consultId: this.consultId, publicKey: this.#keys.publicKey, deviceCheck: this.#deviceCheck });
		if (!reply.ok) {
			this.problem = reply.error;
			this.#entered = false;
			if (this.phase === 'entering') this.phase = 'idle';
			return false;
		}
		this.problem = '';
		// A fresh socket session: the host seals the key to everyone again.
		this.#sealedTo.clear();
		this.#apply(reply.state);
		return true;
	}

	leave(): void {
		this.#entered = false;
		this.#socket?.emit('consult:leave', { consultId: this.consultId });
		this.phase = 'closed';
		this.closedBecause = 'You left the video visit.';
	}

	admit(participantId: string): Promise<Ack> {
		return this.#action('consult:admit', { consultId: this.consultId, participantId });
	}

	decline(participantId: string, message: string): Promise<Ack> {
		return this.#action('consult:decline', { consultId: this.consultId, participantId, message });
	}

	messageWaiting(participantId: string, text: string): Promise<Ack> {
		return this.#action('consult:message-waiting', { consultId: this.consultId, participantId, text });
	}

	showReport(documentId: string | null, page: number): Promise<Ack> {
		return this.#action('consult:view', { consultId: this.consultId, documentId, page });
	}

	recordingConsent(granted: boolean): Promise<Ack> {
		return this.#action('consult:recording-consent', { consultId: this.consultId, granted });
	}

	recording(action: 'start' | 'stop'): Promise<Ack<{ recordingId?: string }>> {
		return this.#request<{ recordingId?: string }>('consult:recording', { consultId: this.consultId, action });
	}

	end(): Promise<Ack> {
		return this.#action('consult:end', { consultId: this.consultId });
	}

	/** The media layer's access for us (ICE servers, or a LiveKit token). */
	media() {
		return this.#request<{ media: import('$lib/realtime/consult-events').MediaAccess }>('consult:media', { consultId: this.consultId });
	}

	async sendChat(text: string): Promise<Ack> {
		const key = this.callKey;
		const self = this.state?.inCall.find((p) => p.participantId === this.selfId);
		if (!key || !self) return { ok: false, error: 'The chat is not ready yet: the call’s key has not arrived.' };
		const sealed = encryptChat(key, self.participantId, text);
		const reply = await this.#action('consult:chat', { consultId: this.consultId, ...sealed });
		if (reply.ok) this.chat = [...this.chat, { id: ++this.#chatId, from: self.participantId, fromName: self.displayName, text, at: new Date().toISOString(), mine: true }];
		return reply;
	}

	sendSignal(to: string, signal: SignalPayload): void {
		this.#socket?.emit('consult:signal', { consultId: this.consultId, to, signal });
	}

	onSignal(listener: (from: string, signal: SignalPayload) => void): () => void {
		this.#signalListeners.add(listener);
		return () => this.#signalListeners.delete(listener);
	}

	/** Called with the online admitted others on every push (and at once). */
	onPeers(listener: (peerIds: string[]) => void): () => void {
		this.#peerListeners.add(listener);
		if (this.phase === 'in-call') listener(this.onlinePeerIds);
		return () => this.#peerListeners.delete(listener);
	}

	/** Called with the call key when it arrives or changes (and at once if we hold one). */
	onCallKey(listener: (key: Uint8Array) => void): () => void {
		this.#keyListeners.add(listener);
		if (this.callKey) listener(this.callKey);
		return () => this.#keyListeners.delete(listener);
	}

	#apply(state: ConsultState): void {
		const before = this.state;
		this.state = state;
		if (state.status === 'ended') {
			this.phase = 'closed';
			this.closedBecause ||= closedReasons.ended!;
			return;
		}
		const status = state.you.status;
		if (status === 'admitted') {
			if (this.phase !== 'in-call' && before?.you.status === 'waiting') this.announcement = 'You are admitted. The call is starting.';
			this.phase = 'in-call';
		} else if (status === 'waiting') {
			this.phase = 'waiting';
			const position = state.you.position;
			if (position !== null && position !== before?.you.position) this.announcement = `You are number ${position} in the waiting room.`;
		} else {
			this.phase = 'closed';
			this.closedBecause ||= closedReasons[status] ?? 'You are no longer in this video visit.';
		}
		if (this.isHost) this.#distributeCallKey();
		if (this.phase === 'in-call') {
			const peers = this.onlinePeerIds;
			for (const listener of this.#peerListeners) listener(peers);
		}
	}

	/** Host: make the call key once, and seal it to every admitted participant who lacks it. */
	#distributeCallKey(): void {
		const state = this.state;
		if (!state || !this.#socket) return;
		if (!this.callKey) this.#useCallKey(makeCallKey());
		const key = this.callKey!;
		for (const p of state.inCall) {
			if (p.participantId === state.you.participantId || !p.online || !p.publicKey) continue;
			if (this.#sealedTo.get(p.participantId) === p.publicKey) continue;
			const sealed = sealCallKey(key, p.publicKey);
			if (!sealed) continue;
			this.#sealedTo.set(p.participantId, p.publicKey);
			this.#socket.emit('consult:key', { consultId: this.consultId, to: p.participantId, sealed });
		}
		// Someone who went offline gets the key again when they come back (maybe a new session).
		for (const p of state.inCall) if (!p.online) this.#sealedTo.delete(p.participantId);
	}

	#useCallKey(key: Uint8Array): void {
		this.#callKeys = [key, ...this.#callKeys.filter((k) => k !== key)].slice(0, 4);
		this.hasCallKey = true;
		for (const listener of this.#keyListeners) listener(key);
	}

	#action(event: keyof ClientEvents, payload: object): Promise<Ack> {
		return this.#request<object>(event, payload);
	}

	#request<T extends object>(event: keyof ClientEvents, payload: object): Promise<Ack<T>> {
		const socket = this.#socket;
		if (!socket) return Promise.resolve({ ok: false, error: offline });
		return new Promise((resolve) => {
			// No answer in time (the connection dropped meanwhile): say so rather than wait forever.
			const timer = setTimeout(() => resolve({ ok: false, error: offline }), requestTimeoutMs);
			// The typed map is per event; the payload was built for this event by the caller above.
			(socket.emit as (event: string, payload: object, ack: (reply: Ack<T>) => void) => unknown)(event, payload, (reply) => {
				clearTimeout(timer);
				resolve(reply);
			});
		});
	}
}
