/**
 * The tab's secure messaging client: this device's keys, the conversation list with unread
 * counts, open conversations with their decrypted messages and receipts, the local search index
 * and browser notifications, kept live from the tab's realtime socket. One per tab
 * (getChatClient); the UI reads its $state fields and calls its methods (see types.ts).
 *
 * Decryption happens once per message per tab: every live message is decrypted as it arrives
 * (so it is indexed and its "delivered" receipt goes out even when no conversation is open), and
 * the open views share those results.
 */
import { formatSafetyNumber, ready, safetyNumber } from '$lib/chat/crypto';
import {
	chatLimits,
	type AttachmentReference,
	type ChatContact,
	type ChatNotificationSettings,
	type ConversationSummary,
	type DeviceKeys,
	type MemberAccess,
	type MessageContent,
	type StoredMessage,
	type ToDeviceMessage
} from '$lib/chat/protocol';
import type { ChatServerToClientEvents } from '$lib/realtime/chat-events';
import { acquireRealtimeConnection, releaseRealtimeConnection } from '$lib/client/realtime/realtime-connection';
import { downloadAttachment as fetchAttachment, uploadAttachment } from './attachments';
import { ChatRequestError, socketTransport, type ChatTransport } from './chat-socket';
import { registerRunningChatClient } from './clear-device';
import {
	approveWaitingDevice,
	deviceSafetyCode,
	receiveSecretShare,
	requestDeviceApproval,
	restoreDevice,
	setUpDevice,
	type ReadyDevice
} from './device-setup';
import { deleteChatDatabase, openKeyStore, type ChatKeyStore, type DeviceRecord } from './key-store';
import { notifyNewMessage } from './notifications';
import { applyReceipt, computeReceipt, totalUnread } from './receipts';
import { PersistentMessageIndex } from './search-index';
import { SessionManager, type DecryptOutcome } from './session-manager';
import { observeIdentity, verifyIdentity } from './trust';
import type {
	ChatClient,
	ChatStatus,
	ConversationView,
	CreateConversationInput,
	DecryptedMessage,
	DownloadProgress,
	ReceiptState,
	SafetyNumberInfo,
	SearchHit,
	SearchQuery,
	SendOptions,
	SendingProgress
} from './types';

const pendingKeyText = 'Waiting for this message’s key from the sender’s device…';
const deliveredDelayMs = 300;
const listRefreshDelayMs = 500;

type PushHandlers = { [K in keyof ChatServerToClientEvents]: ChatServerToClientEvents[K] };

function sortConversations(list: ConversationSummary[]): ConversationSummary[] {
	return [...list].sort((a, b) => {
		const at = a.lastMessageAt ? Date.parse(a.lastMessageAt) : 0;
		const bt = b.lastMessageAt ? Date.parse(b.lastMessageAt) : 0;
		return bt - at || a.title.localeCompare(b.title);
	});
}

function messageOrder(a: DecryptedMessage, b: DecryptedMessage): number {
	// Local echoes (seq 0) stay after everything the server has numbered.
	const as = a.seq > 0 ? a.seq : Number.MAX_SAFE_INTEGER;
	const bs = b.seq > 0 ? b.seq : Number.MAX_SAFE_INTEGER;
	return as - bs;
}

function errorText(error: unknown, fallback: string): string {
	return error instanceof Error && error.message ? error.message : fallback;
}

class ChatClientState implements ChatClient {
	status = $state<ChatStatus>('loading');
	error = $state<string | null>(null);
	userId = $state<string | null>(null);
	deviceId = $state<string | null>(null);
	conversations = $state<ConversationSummary[]>([]);
	totalUnread = $derived(totalUnread(this.conversations));
	pendingApprovals = $state<DeviceKeys[]>([]);
	settings = $state<ChatNotificationSettings | null>(null);
	identityChanged = $state<string[]>([]);

	#transport: ChatTransport | null = null;
	#store: ChatKeyStore | null = null;
	#device: DeviceRecord | null = null;
	#sessions: SessionManager | null = null;
	#index: PersistentMessageIndex | null = null;
	#starting: Promise<void> | null = null;
	#detach: (() => void)[] = [];
	#views = new Map<string, ConversationViewState>();
	#decrypted = new Map<string, DecryptedMessage>();
	#waiting = new Map<string, Map<string, StoredMessage>>();
	#delivered = new Map<string, number>();
	#deliveredTimer: ReturnType<typeof setTimeout> | undefined;
	#listTimer: ReturnType<typeof setTimeout> | undefined;
	#inbox: Promise<void> = Promise.resolve();
	#generation = 0;

	// ── lifecycle ────────────────────────────────────────────────────────────────────

	start(userId: string): Promise<void> {
		if (this.userId === userId && this.#starting) return this.#starting;
		const previous = this.userId !== null ? this.stop() : Promise.resolve();
		this.userId = userId;
		const starting = previous.then(() => this.#start(userId));
		this.#starting = starting;
		return starting;
	}

	async #start(userId: string): Promise<void> {
		const generation = ++this.#generation;
		this.status = 'loading';
		this.error = null;
		try {
			const socket = acquireRealtimeConnection();
			const transport = socketTransport(socket);
			this.#transport = transport;
			this.#listen(transport);
			await ready();
			const store = await openKeyStore(userId);
			if (generation !== this.#generation) return store.close();
			this.#store = store;
			this.#index = await PersistentMessageIndex.open(store);
			registerRunningChatClient(this);
			await Promise.all([this.#resolveDevice(), this.#loadConversations(), this.#loadSettings()]);
			await this.#loadIdentityWarnings();
		} catch (error) {
			if (generation !== this.#generation) return;
			this.status = 'error';
			this.error = errorText(error, 'Secure messaging could not start.');
		}
	}

	/** Stops listening and forgets everything in memory (the stored keys stay). */
	async stop(): Promise<void> {
		this.#generation += 1;
		for (const detach of this.#detach.splice(0)) detach();
		if (this.#transport) releaseRealtimeConnection();
		clearTimeout(this.#deliveredTimer);
		clearTimeout(this.#listTimer);
		// Everything in memory goes at once, so a start() for the next person never sees it.
		const sessions = this.#sessions;
		const index = this.#index;
		const store = this.#store;
		for (const view of this.#views.values()) view.detach();
		this.#views.clear();
		this.#decrypted.clear();
		this.#waiting.clear();
		this.#delivered.clear();
		this.#transport = null;
		this.#store = null;
		this.#device = null;
		this.#sessions = null;
		this.#index = null;
		this.#starting = null;
		this.#inbox = Promise.resolve();
		this.userId = null;
		this.deviceId = null;
		this.conversations = [];
		this.pendingApprovals = [];
		this.settings = null;
		this.identityChanged = [];
		this.status = 'loading';
		this.error = null;
		registerRunningChatClient(null);
		await sessions?.flush().catch(() => undefined);
		await index?.flush().catch(() => undefined);
		index?.close();
		store?.close();
	}

	/** At sign-out (clear-device.ts): this device's keys are about to be erased, so it leaves the account first. */
	async signOut(): Promise<void> {
		const deviceId = this.#device?.deviceId;
		if (deviceId && this.#transport) await this.#transport.request('keys:revoke-device', { deviceId }).catch(() => undefined);
		await this.stop();
	}

	#listen(transport: ChatTransport): void {
		const handlers: PushHandlers = {
			'chat:message': (message) => void this.#onMessage(message),
			'chat:receipt': (receipt) => this.#onReceipt(receipt),
			'chat:retracted': ({ conversationId, messageId }) => this.#onRetracted(conversationId, messageId),
			'chat:conversation': (summary) => this.#upsertConversation(summary),
			'chat:removed': ({ conversationId }) => void this.#onRemoved(conversationId),
			'chat:notify': (payload) => {
				notifyNewMessage(payload, this.settings);
			},
			'keys:to-device': () => this.#drainInbox(),
			'keys:device-requested': ({ device }) => {
				if (device.userId === this.userId && !this.pendingApprovals.some((d) => d.deviceId === device.deviceId)) {
					this.pendingApprovals = [...this.pendingApprovals, device];
				}
			},
			'keys:devices-changed': ({ userId }) => void this.#onDevicesChanged(userId)
		};
		for (const [event, handler] of Object.entries(handlers) as [keyof PushHandlers, PushHandlers[keyof PushHandlers]][]) {
			transport.on(event, handler as never);
			this.#detach.push(() => transport.off(event, handler as never));
		}
		this.#detach.push(transport.onReconnect(() => void this.#onReconnect()));
		// The search index and the seen-message record are saved a moment after they change; a
		// page being left (reload, closed tab) saves them now. Best effort: the browser may end the
		// page before the write lands, and messages opened again are indexed again.
		if (typeof window !== 'undefined') {
			const saveNow = () => {
				void this.#index?.flush().catch(() => undefined);
				void this.#sessions?.flush().catch(() => undefined);
			};
			window.addEventListener('pagehide', saveNow);
			this.#detach.push(() => window.removeEventListener('pagehide', saveNow));
		}
	}

	#request: ChatTransport['request'] = (event, payload) => {
		if (!this.#transport) return Promise.reject(new Error('Secure messaging is not started.'));
		return this.#transport.request(event, payload);
	};

	#context() {
		if (!this.#transport || !this.#store || !this.userId) throw new Error('Secure messaging is still starting. Try again in a moment.');
		return { transport: this.#transport, store: this.#store, userId: this.userId };
	}

	// ── this device ──────────────────────────────────────────────────────────────────

	async #resolveDevice(): Promise<void> {
		const { store, userId } = this.#context();
		const status = await this.#request('keys:status', {});
		let device = await store.device();
		const identity = await store.identity();
		if (device) {
			const onServer = status.devices.find((candidate) => candidate.deviceId === device!.deviceId);
			const sameIdentity = !identity || identity.publicKey === status.identityKey;
			if (!onServer || !sameIdentity || !status.identityKey) {
				// Revoked elsewhere, or the identity was reset: these keys can no longer act for the person.
				await this.#wipeLocal();
				device = null;
			}
		}
		if (!device) {
			this.#device = null;
			this.deviceId = null;
			this.status = status.identityKey ? 'needs-unlock' : 'needs-setup';
			return;
		}
		this.#useDevice(device, (await store.backupKey())?.publicKey ?? null);
		await this.#request('keys:claim-device', { deviceId: device.deviceId });
		if (device.signed) {
			this.status = 'ready';
			this.pendingApprovals = status.devices.filter((candidate) => candidate.signature === null && candidate.userId === userId);
		} else {
			this.status = 'awaiting-approval';
		}
		this.#drainInbox();
		await this.#inbox;
	}

	#useDevice(device: DeviceRecord, backupPublicKey: string | null): void {
		const { transport, store, userId } = this.#context();
		this.#device = device;
		this.deviceId = device.deviceId;
		this.#sessions = new SessionManager({
			transport,
			store,
			userId,
			device,
			backupPublicKey,
			onKeyArrived: (sessionId) => void this.#keyArrived(sessionId),
			onIdentityWarnings: (userIds) => {
				const next = new Set([...this.identityChanged, ...userIds]);
				if (next.size !== this.identityChanged.length) this.identityChanged = [...next];
			}
		});
	}

	async #wipeLocal(): Promise<void> {
		const userId = this.userId!;
		this.#index?.close();
		this.#store?.close();
		await deleteChatDatabase(userId);
		const store = await openKeyStore(userId);
		this.#store = store;
		this.#index = await PersistentMessageIndex.open(store);
	}

	async #becomeReady(ready: ReadyDevice): Promise<void> {
		this.#useDevice(ready.device, ready.backupPublicKey);
		await this.#request('keys:claim-device', { deviceId: ready.device.deviceId });
		this.status = 'ready';
		this.error = null;
		this.#drainInbox();
		await this.#inbox;
	}

	async setUp(passphrase: string, options: { reset?: boolean } = {}): Promise<void> {
		const context = this.#context();
		if (this.status === 'needs-unlock' && !options.reset) {
			throw new Error('Secure messaging is already set up for you on another device: unlock it with your passphrase, or approve this device from the other one.');
		}
		await ready();
		const device = await setUpDevice(context, passphrase, { reset: options.reset });
		await this.#becomeReady(device);
	}

	async restore(passphrase: string): Promise<void> {
		const context = this.#context();
		await ready();
		let device: ReadyDevice;
		try {
			device = await restoreDevice(context, passphrase);
		} catch (error) {
			this.error = errorText(error, 'Your keys could not be restored.');
			throw error;
		}
		await this.#becomeReady(device);
		await this.#sessions!.restoreFromBackup(device.backupPublicKey, device.backupSecretKey);
	}

	async requestApproval(): Promise<void> {
		const context = this.#context();
		await ready();
		const device = await requestDeviceApproval(context);
		this.#useDevice(device, null);
		await this.#request('keys:claim-device', { deviceId: device.deviceId });
		this.status = 'awaiting-approval';
		this.#drainInbox();
	}

	async approveDevice(deviceId: string): Promise<void> {
		const context = this.#context();
		let waiting = this.pendingApprovals.find((device) => device.deviceId === deviceId);
		if (!waiting) waiting = (await this.#request('keys:status', {})).devices.find((device) => device.deviceId === deviceId && device.signature === null);
		if (!waiting) throw new Error('That device is no longer waiting for approval.');
		await approveWaitingDevice(context, $state.snapshot(waiting) as DeviceKeys);
		this.pendingApprovals = this.pendingApprovals.filter((device) => device.deviceId !== deviceId);
	}

	async deviceSafetyCode(device: DeviceKeys): Promise<string[]> {
		await ready();
		return deviceSafetyCode(device);
	}

	async #onDevicesChanged(userId: string): Promise<void> {
		this.#sessions?.invalidateKeys();
		for (const view of this.#views.values()) void view.refreshKeyCoverage();
		if (userId !== this.userId || !this.#store) return;
		if (!this.#device && (this.status === 'needs-setup' || this.status === 'needs-unlock')) {
			// Another tab of this browser may have just set up or restored this device (same key store).
			await this.#resolveDevice().catch(() => undefined);
			return;
		}
		try {
			const status = await this.#request('keys:status', {});
			this.pendingApprovals = status.devices.filter((device) => device.signature === null && device.deviceId !== this.deviceId);
			if (this.#device && !status.devices.some((device) => device.deviceId === this.#device!.deviceId)) {
				// This device was removed from the account (from another device): its keys are useless now.
				this.#device = null;
				this.#sessions = null;
				this.deviceId = null;
				await this.#wipeLocal();
				this.status = status.identityKey ? 'needs-unlock' : 'needs-setup';
			}
		} catch {
			// The next event or reconnection checks again.
		}
	}

	async #onReconnect(): Promise<void> {
		try {
			if (this.#device) await this.#request('keys:claim-device', { deviceId: this.#device.deviceId });
			this.#drainInbox();
			await this.#loadConversations();
			for (const view of this.#views.values()) void view.refreshNewest();
		} catch {
			// Stays on what it has; socket.io reconnects again and calls this again.
		}
	}

	// ── to-device inbox ──────────────────────────────────────────────────────────────

	/**
	 * Fetches and handles this device's to-device messages in order, then acknowledges them.
	 * A push only triggers a fetch: acknowledging "up to" a pushed id could delete older ones
	 * not handled yet.
	 */
	#drainInbox(): void {
		this.#inbox = this.#inbox.then(() => this.#drainOnce()).catch(() => undefined);
	}

	async #drainOnce(): Promise<void> {
		const store = this.#store;
		if (!store || !this.#device) return;
		let cursor = await store.inboxCursor();
		for (;;) {
			const { messages } = await this.#request('keys:inbox', { afterId: cursor });
			const fresh = messages.filter((message) => message.id > cursor).sort((a, b) => a.id - b.id);
			if (fresh.length === 0) return;
			for (const message of fresh) {
				try {
					await this.#handleToDevice(message);
				} catch (error) {
					// A lost connection: stop here and fetch the same messages again later.
					if (!(error instanceof ChatRequestError) || error.code === 'timeout' || error.code === 'rate_limited') throw error;
					// A refusal (no longer a member, conversation gone) never turns into a key by waiting:
					// skipping it keeps one bad message from holding up every later one.
				}
				cursor = message.id;
			}
			await store.setInboxCursor(cursor);
			await this.#request('keys:inbox-ack', { upToId: cursor });
		}
	}

	async #handleToDevice(message: ToDeviceMessage): Promise<void> {
		if (message.kind === 'room_key') {
			await this.#sessions?.receiveRoomKey(message);
			return;
		}
		if (message.kind === 'secret_share' && this.#device && !this.#device.signed) {
			const approved = await receiveSecretShare(this.#context(), message);
			if (!approved) return;
			this.#useDevice(approved.device, approved.backupPublicKey);
			this.status = 'ready';
			await this.#sessions!.restoreFromBackup(approved.backupPublicKey, approved.backupSecretKey);
		}
	}

	// ── conversations ────────────────────────────────────────────────────────────────

	async #loadConversations(): Promise<void> {
		const { conversations } = await this.#request('chat:conversations', {});
		this.conversations = sortConversations(conversations);
	}

	async #loadSettings(): Promise<void> {
		try {
			this.settings = (await this.#request('chat:settings', {})).settings;
		} catch {
			// Notifications stay off until the settings load.
		}
	}

	async #loadIdentityWarnings(): Promise<void> {
		const records = (await this.#store?.allTrust()) ?? [];
		this.identityChanged = records.filter(({ value }) => value.changedTo !== null).map(({ value }) => value.userId);
	}

	#scheduleListRefresh(): void {
		clearTimeout(this.#listTimer);
		this.#listTimer = setTimeout(() => void this.#loadConversations().catch(() => undefined), listRefreshDelayMs);
	}

	conversation(conversationId: string): ConversationSummary | null {
		return this.conversations.find((conversation) => conversation.conversationId === conversationId) ?? null;
	}

	#updateConversation(conversationId: string, change: (summary: ConversationSummary) => ConversationSummary): void {
		let found = false;
		const next = this.conversations.map((summary) => {
			if (summary.conversationId !== conversationId) return summary;
			found = true;
			return change(summary);
		});
		if (found) this.conversations = sortConversations(next);
	}

	#upsertConversation(summary: ConversationSummary): void {
		const previous = this.conversation(summary.conversationId);
		if (
			previous &&
			(previous.keyEpoch !== summary.keyEpoch ||
				previous.members.map((m) => m.userId).join() !== summary.members.map((m) => m.userId).join())
		) {
			this.#sessions?.invalidateKeys(summary.conversationId);
			void this.#views.get(summary.conversationId)?.refreshKeyCoverage();
		}
		this.conversations = sortConversations([...this.conversations.filter((c) => c.conversationId !== summary.conversationId), summary]);
	}

	async #onRemoved(conversationId: string): Promise<void> {
		this.conversations = this.conversations.filter((c) => c.conversationId !== conversationId);
		this.#views.get(conversationId)?.removed();
		this.#index?.removeConversation(conversationId);
		await this.#sessions?.forgetConversation(conversationId).catch(() => undefined);
	}

	async createConversation(input: CreateConversationInput): Promise<ConversationSummary> {
		const { conversation } = await this.#request('chat:create', {
			kind: input.kind,
			title: input.title,
			memberUserIds: input.memberUserIds,
			patientId: input.patientId
		});
		this.#upsertConversation(conversation);
		return conversation;
	}

	async addMembers(conversationId: string, userIds: string[], access?: MemberAccess): Promise<ConversationSummary> {
		const { conversation } = await this.#request('chat:add-members', { conversationId, userIds, access });
		this.#sessions?.invalidateKeys(conversationId);
		this.#upsertConversation(conversation);
		return conversation;
	}

	async removeMember(conversationId: string, userId: string): Promise<ConversationSummary> {
		const { conversation } = await this.#request('chat:remove-member', { conversationId, userId });
		this.#sessions?.invalidateKeys(conversationId);
		this.#upsertConversation(conversation);
		return conversation;
	}

	async contacts(query: string): Promise<ChatContact[]> {
		return (await this.#request('chat:contacts', { query })).contacts;
	}

	async mute(conversationId: string, muted: boolean): Promise<void> {
		await this.#request('chat:mute', { conversationId, muted });
		this.#updateConversation(conversationId, (summary) => ({ ...summary, muted }));
	}

	openConversation(conversationId: string): ConversationView {
		let view = this.#views.get(conversationId);
		if (!view) {
			view = new ConversationViewState(this, conversationId);
			this.#views.set(conversationId, view);
			void view.loadInitial();
		}
		return view;
	}

	/** ConversationViewState.close(). */
	dropView(conversationId: string, view: ConversationViewState): void {
		if (this.#views.get(conversationId) === view) this.#views.delete(conversationId);
	}

	// ── messages ─────────────────────────────────────────────────────────────────────

	async #onMessage(message: StoredMessage): Promise<void> {
		const conversationId = message.envelope.conversationId;
		const summary = this.conversation(conversationId);
		if (!summary) {
			// A conversation I was just added to: its summary comes with the list.
			this.#scheduleListRefresh();
		} else if (message.seq > summary.lastSeq) {
			const mine = message.senderUserId === this.userId;
			this.#updateConversation(conversationId, (current) => ({
				...current,
				lastSeq: Math.max(current.lastSeq, message.seq),
				lastMessageAt: message.sentAt,
				unread: mine ? current.unread : current.unread + 1
			}));
		}
		const decrypted = await this.ingest(message, conversationId);
		if (decrypted) this.#views.get(conversationId)?.upsert(decrypted);
	}

	#onReceipt(receipt: { conversationId: string; userId: string; deliveredSeq: number; readSeq: number }): void {
		this.#updateConversation(receipt.conversationId, (summary) => {
			const next = { ...summary, members: applyReceipt(summary.members, receipt) };
			if (receipt.userId === this.userId) {
				// My own marker moved (another tab or device read it).
				if (receipt.readSeq >= summary.lastSeq) next.unread = 0;
				else this.#scheduleListRefresh();
			}
			return next;
		});
	}

	#onRetracted(conversationId: string, messageId: string): void {
		const cached = this.#decrypted.get(messageId);
		const retracted: DecryptedMessage | null = cached ? { ...cached, content: null, error: null, retracted: true, pending: false } : null;
		if (retracted) this.#decrypted.set(messageId, retracted);
		this.#index?.remove(messageId);
		this.#views.get(conversationId)?.retracted(messageId);
	}

	/** Verifies and decrypts one stored message (once per tab); null for a dropped replay. */
	async ingest(message: StoredMessage, conversationId: string): Promise<DecryptedMessage | null> {
		const cached = this.#decrypted.get(message.messageId);
		if (cached && !cached.pending && cached.retracted === (message.retractedAt !== null)) return cached;
		const outcome: DecryptOutcome = this.#sessions ? await this.#sessions.decrypt(message, conversationId) : { kind: 'pending' };
		if (outcome.kind === 'replay') return null;
		const mine = message.senderUserId === this.userId;
		const decrypted: DecryptedMessage = {
			messageId: message.messageId,
			seq: message.seq,
			conversationId,
			senderUserId: message.senderUserId,
			senderDisplayName: message.senderDisplayName,
			sentAt: message.sentAt,
			content: outcome.kind === 'ok' ? outcome.content : null,
			error: outcome.kind === 'failed' ? outcome.error : outcome.kind === 'pending' ? pendingKeyText : null,
			retracted: outcome.kind === 'retracted',
			mine,
			pending: outcome.kind === 'pending',
			identityChanged: message.senderUserId !== null && this.identityChanged.includes(message.senderUserId)
		};
		this.#decrypted.set(message.messageId, decrypted);
		if (outcome.kind === 'pending') {
			const sessionId = message.envelope.sessionId;
			let waiting = this.#waiting.get(sessionId);
			if (!waiting) this.#waiting.set(sessionId, (waiting = new Map()));
			waiting.set(message.messageId, message);
		}
		if (outcome.kind === 'ok') {
			this.#index?.add({
				id: message.messageId,
				conversationId,
				senderUserId: message.senderUserId,
				patientId: this.conversation(conversationId)?.patientId ?? null,
				sentAt: message.sentAt,
				body: outcome.content.body,
				attachmentName: outcome.content.attachment?.name ?? null
			});
			if (!mine) this.#queueDelivered(conversationId, message.seq);
		}
		return decrypted;
	}

	/** A key arrived: messages that waited for it are decrypted and shown. */
	async #keyArrived(sessionId: string): Promise<void> {
		const waiting = this.#waiting.get(sessionId);
		if (!waiting) return;
		this.#waiting.delete(sessionId);
		for (const message of waiting.values()) {
			const conversationId = message.envelope.conversationId;
			this.#decrypted.delete(message.messageId);
			const decrypted = await this.ingest(message, conversationId);
			const view = this.#views.get(conversationId);
			if (decrypted) view?.upsert(decrypted);
			else view?.drop(message.messageId);
		}
	}

	/** "Delivered" = decrypted on one of my devices; batched, forward only. */
	#queueDelivered(conversationId: string, seq: number): void {
		const me = this.conversation(conversationId)?.members.find((member) => member.userId === this.userId);
		if (me && me.deliveredSeq >= seq) return;
		this.#delivered.set(conversationId, Math.max(this.#delivered.get(conversationId) ?? 0, seq));
		clearTimeout(this.#deliveredTimer);
		this.#deliveredTimer = setTimeout(() => void this.#flushDelivered(), deliveredDelayMs);
	}

	async #flushDelivered(): Promise<void> {
		const batch = [...this.#delivered];
		this.#delivered.clear();
		for (const [conversationId, deliveredSeq] of batch) {
			await this.#request('chat:receipt', { conversationId, deliveredSeq }).catch(() => undefined);
		}
	}

	/** The session manager for a send; throws the sentence when this device cannot send yet. */
	sessions(): SessionManager {
		if (!this.#sessions || this.status !== 'ready') throw new Error('Secure messaging is not ready on this device yet.');
		return this.#sessions;
	}

	request: ChatTransport['request'] = (event, payload) => this.#request(event, payload);

	/** A message I just sent: known in plaintext, no need to decrypt it again. */
	rememberSent(message: StoredMessage, conversationId: string, content: MessageContent): DecryptedMessage {
		const decrypted: DecryptedMessage = {
			messageId: message.messageId,
			seq: message.seq,
			conversationId,
			senderUserId: message.senderUserId,
			senderDisplayName: message.senderDisplayName,
			sentAt: message.sentAt,
			content,
			error: null,
			retracted: false,
			mine: true,
			pending: false
		};
		this.#decrypted.set(message.messageId, decrypted);
		this.#index?.add({
			id: message.messageId,
			conversationId,
			senderUserId: message.senderUserId,
			patientId: this.conversation(conversationId)?.patientId ?? null,
			sentAt: message.sentAt,
			body: content.body,
			attachmentName: content.attachment?.name ?? null
		});
		this.#updateConversation(conversationId, (summary) => ({
			...summary,
			lastSeq: Math.max(summary.lastSeq, message.seq),
			lastMessageAt: message.sentAt
		}));
		return decrypted;
	}

	/** After markRead: my marker moved and nothing before it is unread. */
	readUpTo(conversationId: string, seq: number): void {
		this.#updateConversation(conversationId, (summary) => ({
			...summary,
			unread: seq >= summary.lastSeq ? 0 : summary.unread,
			members: applyReceipt(summary.members, { userId: this.userId ?? '', deliveredSeq: seq, readSeq: seq })
		}));
		if (seq < (this.conversation(conversationId)?.lastSeq ?? 0)) this.#scheduleListRefresh();
	}

	// ── search, safety numbers, settings, attachments ────────────────────────────────

	async search(query: SearchQuery): Promise<SearchHit[]> {
		await this.#starting;
		return this.#index?.search(query) ?? [];
	}

	async safetyNumberWith(userId: string): Promise<SafetyNumberInfo> {
		await ready();
		const store = this.#context().store;
		const { user } = await this.#request('keys:user-keys', { userId });
		const mine = await store.identity();
		if (!user.identityKey || !mine) {
			return { userId, displayName: user.displayName, groups: null, verified: false, identityChanged: false };
		}
		const outcome = observeIdentity(await store.trust(userId), userId, user.identityKey, user.verifiedByMe);
		if (outcome.changed) await store.setTrust(outcome.record);
		if (outcome.warning && !this.identityChanged.includes(userId)) this.identityChanged = [...this.identityChanged, userId];
		const number = safetyNumber({ userId: this.userId!, identityKey: mine.publicKey }, { userId, identityKey: user.identityKey });
		return {
			userId,
			displayName: user.displayName,
			groups: formatSafetyNumber(number),
			verified: user.verifiedByMe && !outcome.warning,
			identityChanged: outcome.warning
		};
	}

	async verifyUser(userId: string): Promise<void> {
		const store = this.#context().store;
		const { user } = await this.#request('keys:user-keys', { userId });
		if (!user.identityKey) throw new Error(`${user.displayName} has not set up secure messaging yet.`);
		await this.#request('keys:verify-user', { userId, identityKey: user.identityKey });
		await store.setTrust(verifyIdentity(userId, user.identityKey));
		this.identityChanged = this.identityChanged.filter((id) => id !== userId);
		this.#sessions?.invalidateKeys();
	}

	async saveSettings(settings: ChatNotificationSettings): Promise<ChatNotificationSettings> {
		const saved = (await this.#request('chat:save-settings', { settings: $state.snapshot(settings) as ChatNotificationSettings })).settings;
		this.settings = saved;
		return saved;
	}

	async downloadAttachment(ref: AttachmentReference, onProgress?: (progress: DownloadProgress) => void): Promise<Blob> {
		await ready();
		return fetchAttachment($state.snapshot(ref) as AttachmentReference, onProgress);
	}
}

/** One open conversation: its messages (oldest → newest), paging, sending and receipts. */
class ConversationViewState implements ConversationView {
	readonly conversationId: string;
	messages = $state<DecryptedMessage[]>([]);
	hasMore = $state(true);
	loading = $state(false);
	sending = $state<SendingProgress | null>(null);
	error = $state<string | null>(null);
	summary = $derived.by(() => this.#client.conversation(this.conversationId));
	identityWarnings = $derived.by(() => {
		const changed = new Set(this.#client.identityChanged);
		return (this.summary?.members ?? []).filter((member) => changed.has(member.userId)).map((member) => ({ userId: member.userId, displayName: member.displayName }));
	});
	canSend = $derived.by(() => this.#client.status === 'ready' && this.summary?.myAccess === 'post');
	membersWithoutKeys = $state<{ userId: string; displayName: string }[]>([]);

	readonly #client: ChatClientState;
	#loadingOlder: Promise<void> | null = null;
	#readWanted = false;
	#localCounter = 0;
	#onVisible = () => {
		if (document.visibilityState === 'visible' && this.#readWanted) void this.markRead();
	};

	constructor(client: ChatClientState, conversationId: string) {
		this.#client = client;
		this.conversationId = conversationId;
		if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onVisible);
	}

	async loadInitial(): Promise<void> {
		this.loading = true;
		try {
			await this.#fetchPage(undefined);
		} catch (error) {
			this.error = errorText(error, 'The conversation could not be loaded.');
		} finally {
			this.loading = false;
		}
		await this.refreshKeyCoverage();
	}

	/** Who could not read a message sent now (no identity key or no approved device yet). */
	async refreshKeyCoverage(): Promise<void> {
		try {
			const keys = await this.#client.sessions().conversationKeys(this.conversationId);
			const withDevice = new Set([...keys.devices.values()].map((device) => device.userId));
			this.membersWithoutKeys = keys.users
				.filter((user) => user.userId !== this.#client.userId && !withDevice.has(user.userId))
				.map((user) => ({ userId: user.userId, displayName: user.displayName }));
		} catch {
			// Not ready yet, or offline: no warning rather than a wrong one.
		}
	}

	/** After a reconnection: messages sent while this tab was offline. */
	async refreshNewest(): Promise<void> {
		try {
			await this.#fetchPage(undefined, false);
		} catch {
			// The next reconnection tries again.
		}
	}

	async #fetchPage(beforeSeq: number | undefined, updateHasMore = true): Promise<void> {
		const { messages, hasMore } = await this.#client.request('chat:history', {
			conversationId: this.conversationId,
			beforeSeq,
			limit: chatLimits.historyPageSize
		});
		const decrypted: DecryptedMessage[] = [];
		// Oldest first, so replay marks keep the first copy of a (session, index).
		for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
			const result = await this.#client.ingest(message, this.conversationId);
			if (result) decrypted.push(result);
		}
		this.#merge(decrypted);
		if (updateHasMore) this.hasMore = hasMore;
	}

	loadOlder(): Promise<void> {
		if (this.#loadingOlder) return this.#loadingOlder;
		if (!this.hasMore) return Promise.resolve();
		const oldest = this.messages.find((message) => message.seq > 0)?.seq;
		this.loading = true;
		this.#loadingOlder = this.#fetchPage(oldest)
			.catch((error) => {
				this.error = errorText(error, 'Older messages could not be loaded.');
			})
			.finally(() => {
				this.loading = false;
				this.#loadingOlder = null;
			});
		return this.#loadingOlder;
	}

	#merge(incoming: DecryptedMessage[]): void {
		if (incoming.length === 0) return;
		const byId = new Map(this.messages.map((message) => [message.messageId, message]));
		for (const message of incoming) byId.set(message.messageId, message);
		this.messages = [...byId.values()].sort(messageOrder);
	}

	upsert(message: DecryptedMessage): void {
		this.#merge([message]);
	}

	drop(messageId: string): void {
		this.messages = this.messages.filter((message) => message.messageId !== messageId);
	}

	retracted(messageId: string): void {
		this.messages = this.messages.map((message) =>
			message.messageId === messageId ? { ...message, content: null, error: null, retracted: true, pending: false } : message
		);
	}

	removed(): void {
		this.error = 'You are no longer a member of this conversation.';
	}

	async send(text: string, options: SendOptions = {}): Promise<DecryptedMessage> {
		const summary = this.summary;
		if (!summary) throw new Error('This conversation is not available.');
		if (summary.myAccess !== 'post') throw new Error('You can read this conversation but not send to it.');
		const sessions = this.#client.sessions();
		if (this.sending) throw new Error('Wait until the previous message is sent.');
		const body = text.trim();
		const file = options.file;
		if (!body && !file) throw new Error('Write a message or attach a file.');

		const localId = `local-${++this.#localCounter}-${Date.now()}`;
		const content: MessageContent = { body, composedAt: Date.now() };
		if (options.replyTo) content.replyTo = options.replyTo;
		const echo: DecryptedMessage = {
			messageId: localId,
			localId,
			seq: 0,
			conversationId: this.conversationId,
			senderUserId: this.#client.userId,
			senderDisplayName: summary.members.find((member) => member.userId === this.#client.userId)?.displayName ?? 'You',
			sentAt: new Date().toISOString(),
			content: { ...content },
			error: null,
			retracted: false,
			mine: true,
			pending: false
		};
		// Checked before an upload, with room for the attachment's reference (name, keys, hash).
		if (estimatedCiphertextChars(content) + (file ? attachmentReferenceReserve : 0) > chatLimits.maxCiphertextChars) {
			throw new Error('This message is too long to send. Shorten it, or send the text as a file.');
		}
		this.upsert(echo);
		try {
			const attachmentIds: string[] = [];
			if (file) {
				this.sending = { phase: 'encrypting', fraction: 0, fileName: file.name };
				content.attachment = await uploadAttachment(this.conversationId, file, (progress) => {
					this.sending = { phase: progress.phase, fraction: progress.fraction, fileName: file.name };
				});
				attachmentIds.push(content.attachment.attachmentId);
			}
			this.sending = { phase: 'sending', fraction: file ? 1 : 0, fileName: file?.name };
			const stored = await sessions.send(this.conversationId, summary.keyEpoch, content, attachmentIds.length > 0 ? attachmentIds : undefined);
			const sent = this.#client.rememberSent(stored, this.conversationId, content);
			this.messages = this.messages.filter((message) => message.messageId !== localId);
			this.upsert(sent);
			return sent;
		} catch (error) {
			this.messages = this.messages.filter((message) => message.messageId !== localId);
			const sentence = error instanceof ChatRequestError || error instanceof Error ? errorText(error, 'The message was not sent.') : 'The message was not sent.';
			throw new Error(sentence);
		} finally {
			this.sending = null;
		}
	}

	async retract(messageId: string): Promise<void> {
		await this.#client.request('chat:retract', { messageId });
		this.retracted(messageId);
	}

	/** Moves my read marker to the newest message shown; waits for the tab to be visible. */
	async markRead(): Promise<void> {
		if (typeof document !== 'undefined' && document.visibilityState !== 'visible') {
			this.#readWanted = true;
			return;
		}
		this.#readWanted = false;
		const newest = this.messages.reduce((max, message) => Math.max(max, message.seq), 0);
		if (newest === 0) return;
		const me = this.summary?.members.find((member) => member.userId === this.#client.userId);
		if (me && me.readSeq >= newest && (this.summary?.unread ?? 0) === 0) return;
		await this.#client.request('chat:receipt', { conversationId: this.conversationId, deliveredSeq: newest, readSeq: newest });
		this.#client.readUpTo(this.conversationId, newest);
	}

	receiptFor(message: DecryptedMessage): ReceiptState {
		return computeReceipt({ seq: message.seq, mine: message.mine }, this.summary?.members ?? [], this.#client.userId ?? '');
	}

	detach(): void {
		if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisible);
	}

	close(): void {
		this.detach();
		this.#client.dropView(this.conversationId, this);
	}
}

/** An attachment reference in JSON: a 255-character name, two keys, a hash and ids fit in this. */
const attachmentReferenceReserve = 2_048;

/** base64 of nonce ‖ AEAD(JSON): what chat:send carries, checked before the server refuses it. */
export function estimatedCiphertextChars(content: MessageContent): number {
	const bytes = new TextEncoder().encode(JSON.stringify(content)).length + 24 + 16;
	return Math.ceil((bytes * 4) / 3);
}

let client: ChatClientState | null = null;

/** The tab's chat client (browser only); `start(userId)` it before use. */
export function getChatClient(): ChatClient {
	if (typeof window === 'undefined') throw new Error('The chat client exists in the browser only.');
	client ??= new ChatClientState();
	return client;
}

export { clearChatDevice } from './clear-device';
