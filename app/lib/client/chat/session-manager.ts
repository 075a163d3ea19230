/**
 * Room keys on this device: my sending session per conversation (created, shared, rotated) and
 * the sessions others shared with me (received, checked, stored, backed up), and the decryption
 * of stored messages with them.
 *
 * Who may hold a key is decided here, not by the server: a room key is boxed only to devices
 * whose signature by their user's identity key verifies, and a received key is accepted only
 * from such a device of a member. The server's lists are untrusted input.
 *
 * Known limit: keys restored from the key backup carry the sender's signing key as the backup
 * recorded it. Anyone who knows the backup public key (the server) can seal an entry to it, so
 * for a sender device that is still a member's signed device the recorded key must match it;
 * for a device revoked since, the recorded key is taken as is.
 */
import {
	BadSignature,
	ChatCryptoError,
	DecryptionFailed,
	OutboundSession,
	SeenIndexes,
	fromB64,
	fromUtf8,
	openEnvelope,
	openRoomKey,
	parseRoomKey,
	sealRoomKey,
	sealToBackup,
	sealToCompliance,
	verifyDeviceSignature
} from '$lib/chat/crypto';
import { keyFromB64, na } from '$lib/chat/crypto/sodium';
import type { MessageContent, MessageEnvelope, StoredMessage, ToDeviceMessage, UserKeys } from '$lib/chat/protocol';
import { ChatRequestError, type ChatTransport } from './chat-socket';
import type { ChatKeyStore, DeviceRecord, OutboundRecord } from './key-store';
import type { BackedUpRoomKey, RoomKeyRecord } from './session-types';
import { afterSendRefusal, planSession } from './session-policy';
import { observeIdentity } from './trust';

export interface VerifiedDevice {
	deviceId: string;
	userId: string;
	signingKey: string;
	boxKey: string;
}

export interface VerifiedConversationKeys {
	users: UserKeys[];
	/** Signed devices of members whose signature verified against their identity key. */
	devices: Map<string, VerifiedDevice>;
	/** Members whose identity key differs from the one first seen, not re-verified. */
	identityWarnings: string[];
}

/** The outcome of decrypting one stored message. */
export type DecryptOutcome =
	| { kind: 'ok'; content: MessageContent }
	| { kind: 'retracted' }
	| { kind: 'pending' }
	| { kind: 'replay' }
	| { kind: 'failed'; error: string };

export interface SessionManagerOptions {
	transport: ChatTransport;
	store: ChatKeyStore;
	userId: string;
	device: DeviceRecord;
	backupPublicKey: string | null;
	/** A room key for this session arrived: messages waiting for it can be decrypted now. */
	onKeyArrived?: (sessionId: string) => void;
	/** TOFU warnings changed for these people. */
	onIdentityWarnings?: (userIds: string[]) => void;
}

const seenPersistDelayMs = 500;

export class SessionManager {
	readonly #transport: ChatTransport;
	readonly #store: ChatKeyStore;
	readonly #userId: string;
	readonly #device: DeviceRecord;
	#backupPublicKey: string | null;
	readonly #onKeyArrived: (sessionId: string) => void;
	readonly #onIdentityWarnings: (userIds: string[]) => void;
	readonly #keys = new Map<string, Promise<VerifiedConversationKeys>>();
	readonly #inbound = new Map<string, RoomKeyRecord | null>();
	readonly #seen = new Map<string, SeenIndexes>();
	readonly #seenDirty = new Set<string>();
	#seenTimer: ReturnType<typeof setTimeout> | undefined;
	#compliance: Promise<{ id: string; publicKey: string } | null> | null = null;
	readonly #locks = new Map<string, Promise<unknown>>();

	constructor(options: SessionManagerOptions) {
		this.#transport = options.transport;
		this.#store = options.store;
		this.#userId = options.userId;
		this.#device = options.device;
		this.#backupPublicKey = options.backupPublicKey;
		this.#onKeyArrived = options.onKeyArrived ?? (() => {});
		this.#onIdentityWarnings = options.onIdentityWarnings ?? (() => {});
	}

	get deviceId(): string {
		return this.#device.deviceId;
	}

	// ── member keys ──────────────────────────────────────────────────────────────────

	/** Members' verified devices, cached until devices or the conversation change. */
	conversationKeys(conversationId: string): Promise<VerifiedConversationKeys> {
		let keys = this.#keys.get(conversationId);
		if (!keys) {
			keys = this.#fetchConversationKeys(conversationId);
			this.#keys.set(conversationId, keys);
			keys.catch(() => this.#keys.delete(conversationId));
		}
		return keys;
	}

	/** keys:devices-changed for a person, or a conversation's epoch or members changed. */
	invalidateKeys(conversationId?: string): void {
		if (conversationId) this.#keys.delete(conversationId);
		else this.#keys.clear();
		// The clinic may have set a compliance key since.
		this.#compliance = null;
	}

	async #fetchConversationKeys(conversationId: string): Promise<VerifiedConversationKeys> {
		const { users } = await this.#transport.request('keys:conversation-keys', { conversationId });
		const devices = new Map<string, VerifiedDevice>();
		const warnings: string[] = [];
		for (const user of users) {
			if (!user.identityKey) continue;
			if (await this.#observeIdentity(user.userId, user.identityKey, user.verifiedByMe)) warnings.push(user.userId);
			for (const device of user.devices) {
				if (device.userId !== user.userId) continue;
				if (!verifyDeviceSignature(user.identityKey, { ...device, userId: user.userId })) continue;
				devices.set(device.deviceId, { deviceId: device.deviceId, userId: user.userId, signingKey: device.signingKey, boxKey: device.boxKey });
			}
		}
		if (warnings.length > 0) this.#onIdentityWarnings(warnings);
		return { users, devices, identityWarnings: warnings };
	}

	/** Pins a first-seen identity key; true when it differs from the pinned one. */
	async #observeIdentity(userId: string, identityKey: string, verifiedByMe: boolean): Promise<boolean> {
		const outcome = observeIdentity(await this.#store.trust(userId), userId, identityKey, verifiedByMe);
		if (outcome.changed) await this.#store.setTrust(outcome.record);
		return outcome.warning;
	}

	// ── sending ──────────────────────────────────────────────────────────────────────

	/**
	 * Encrypts and sends one message. The session is prepared (created and shared, or new devices
	 * given the key), the index advanced and stored before the message leaves, so an index is
	 * never used twice even if the tab dies mid-send. A refusal for a stale session rotates once.
	 */
	async send(conversationId: string, keyEpoch: number, content: MessageContent, attachmentIds?: string[]): Promise<StoredMessage> {
		return this.#exclusive(`send:${conversationId}`, async () => {
			for (let attempt = 0; ; attempt++) {
				const { session, record } = await this.#prepareOutbound(conversationId, keyEpoch, attempt > 0);
				const envelope = session.encrypt(content, this.#device.signing.secretKey);
				await this.#store.setOutbound({ ...record, exported: JSON.stringify(session.export()), messageCount: record.messageCount + 1 });
				try {
					const { message } = await this.#transport.request('chat:send', { envelope, attachmentIds });
					await this.#markSeen(envelope, message.messageId);
					return message;
				} catch (error) {
					if (error instanceof ChatRequestError && afterSendRefusal(error.code, attempt) === 'rotate-and-retry') {
						this.invalidateKeys(conversationId);
						continue;
					}
					throw error;
				}
			}
		});
	}

	async #prepareOutbound(conversationId: string, keyEpoch: number, forceNew: boolean): Promise<{ session: OutboundSession; record: OutboundRecord }> {
		// Another tab of this browser may have advanced or replaced the session.
		this.#store.forget(`outbound:${conversationId}`);
		const existing = await this.#store.outbound(conversationId);
		const keys = await this.conversationKeys(conversationId);
		const recipients = [...keys.devices.values()].filter((device) => device.deviceId !== this.#device.deviceId);
		const plan = forceNew
			? ({ action: 'create', reason: 'epoch' } as const)
			: planSession(
					existing,
					keyEpoch,
					recipients.map((device) => device.deviceId)
				);
		if (plan.action === 'reuse' && existing) {
			const session = OutboundSession.import(JSON.parse(existing.exported));
			if (plan.shareWith.length === 0) return { session, record: existing };
			// New devices get the key from the next message on, never the earlier ones.
			const roomKey = session.roomKey(this.#userId, session.nextIndex);
			const targets = recipients.filter((device) => plan.shareWith.includes(device.deviceId));
			await this.#transport.request('keys:share-more', {
				conversationId,
				sessionId: session.sessionId,
				shares: targets.map((device) => ({ deviceId: device.deviceId, payload: this.#seal(roomKey, device) }))
			});
			const record = { ...existing, sharedWith: [...existing.sharedWith, ...plan.shareWith] };
			await this.#store.setOutbound(record);
			return { session, record };
		}

		const session = OutboundSession.create(conversationId, this.#device.deviceId);
		const roomKey = session.roomKey(this.#userId, 0);
		const compliance = await this.#complianceKey();
		const backedUp: BackedUpRoomKey = { ...roomKey, senderSigningKey: this.#device.signing.publicKey };
		const { keyEpoch: sharedEpoch } = await this.#transport.request('keys:share-room-key', {
			conversationId,
			sessionId: session.sessionId,
			shares: recipients.map((device) => ({ deviceId: device.deviceId, payload: this.#seal(roomKey, device) })),
			complianceShare: compliance ? sealToCompliance(JSON.stringify(roomKey), compliance.publicKey) : undefined,
			backupShare: this.#backupPublicKey ? sealToBackup(JSON.stringify(backedUp), this.#backupPublicKey) : undefined
		});
		// My own copy, so my history decrypts on this device like everyone else's.
		await this.#storeInbound({ ...roomKey, senderSigningKey: this.#device.signing.publicKey, source: 'own' });
		const record: OutboundRecord = {
			conversationId,
			sessionId: session.sessionId,
			exported: JSON.stringify(session.export()),
			keyEpoch: sharedEpoch,
			sharedWith: recipients.map((device) => device.deviceId),
			createdAt: Date.now(),
			messageCount: 0
		};
		await this.#store.setOutbound(record);
		return { session, record };
	}

	#seal(roomKey: ReturnType<OutboundSession['roomKey']>, device: VerifiedDevice): string {
		return sealRoomKey(
			roomKey,
			{ signingSecretKey: this.#device.signing.secretKey, boxSecretKey: this.#device.box.secretKey },
			{ deviceId: device.deviceId, boxKey: device.boxKey }
		);
	}

	#complianceKey(): Promise<{ id: string; publicKey: string } | null> {
		this.#compliance ??= this.#transport.request('keys:compliance-key', {}).then((reply) => reply.key);
		this.#compliance.catch(() => (this.#compliance = null));
		return this.#compliance;
	}

	/** I left or was removed: the session must never be used again. */
	async forgetConversation(conversationId: string): Promise<void> {
		this.#keys.delete(conversationId);
		await this.#store.deleteOutbound(conversationId);
	}

	// ── receiving keys ───────────────────────────────────────────────────────────────

	/**
	 * A room key boxed to this device. Accepted only from a signed device of a member of the
	 * conversation it names, then stored and sealed to my key backup. Returns false when refused
	 * (the caller still acknowledges it: a bad payload never becomes good by waiting).
	 */
	async receiveRoomKey(message: ToDeviceMessage): Promise<boolean> {
		if (message.kind !== 'room_key' || !message.conversationId || !message.sessionId) return false;
		let sender = (await this.conversationKeys(message.conversationId)).devices.get(message.senderDeviceId);
		if (!sender) {
			// The sender's device may be newer than the cached list.
			this.invalidateKeys(message.conversationId);
			sender = (await this.conversationKeys(message.conversationId)).devices.get(message.senderDeviceId);
		}
		if (!sender || sender.userId !== message.senderUserId) return false;
		let roomKey;
		try {
			roomKey = openRoomKey(
				message.payload,
				{ deviceId: this.#device.deviceId, boxSecretKey: this.#device.box.secretKey },
				{ signingKey: sender.signingKey, boxKey: sender.boxKey, deviceId: sender.deviceId },
				{ conversationId: message.conversationId, sessionId: message.sessionId }
			);
		} catch (error) {
			if (error instanceof ChatCryptoError) return false;
			throw error;
		}
		if (roomKey.senderUserId !== sender.userId) return false;
		const stored = await this.#storeInbound({ ...roomKey, senderSigningKey: sender.signingKey, source: 'shared' });
		if (stored) await this.#backUp({ ...roomKey, senderSigningKey: sender.signingKey });
		return true;
	}

	/** Room keys from the key backup (a restored or approved device). Returns how many opened. */
	async restoreFromBackup(backupPublicKey: string, backupSecretKey: string): Promise<number> {
		this.#backupPublicKey = backupPublicKey;
		const { keys } = await this.#transport.request('keys:backup-room-keys', {});
		let restored = 0;
		for (const entry of keys) {
			const opened = openBackedUp(entry.sealed, backupPublicKey, backupSecretKey);
			if (!opened || opened.conversationId !== entry.conversationId || opened.sessionId !== entry.sessionId) continue;
			let signingKey = opened.senderSigningKey;
			try {
				const current = (await this.conversationKeys(opened.conversationId)).devices.get(opened.senderDeviceId);
				if (current) {
					if (signingKey && signingKey !== current.signingKey) continue;
					signingKey = current.signingKey;
				}
			} catch {
				// No longer a member of that conversation: its history is not served to me anyway.
			}
			const own = opened.senderDeviceId === this.#device.deviceId;
			if (await this.#storeInbound({ ...opened, senderSigningKey: signingKey, source: own ? 'own' : 'backup' })) restored += 1;
		}
		return restored;
	}

	async #backUp(key: BackedUpRoomKey): Promise<void> {
		if (!this.#backupPublicKey) return;
		try {
			await this.#transport.request('keys:backup-room-key', {
				conversationId: key.conversationId,
				sessionId: key.sessionId,
				sealed: sealToBackup(JSON.stringify(key), this.#backupPublicKey)
			});
		} catch {
			// The key is safe on this device; the next key received backs up again. Not worth failing a receive.
		}
	}

	/** Keeps the key that opens the most (the lowest first index); true when it stored something new. */
	async #storeInbound(record: RoomKeyRecord): Promise<boolean> {
		const existing = await this.#inboundKey(record.sessionId);
		if (existing && existing.firstIndex <= record.firstIndex && existing.senderSigningKey) return false;
		if (existing && (existing.conversationId !== record.conversationId || existing.senderDeviceId !== record.senderDeviceId)) return false;
		await this.#store.setInbound(record);
		this.#inbound.set(record.sessionId, record);
		this.#onKeyArrived(record.sessionId);
		return true;
	}

	async #inboundKey(sessionId: string): Promise<RoomKeyRecord | null> {
		const cached = this.#inbound.get(sessionId);
		if (cached) return cached;
		// A miss is not cached: another tab of this browser may store the key any moment.
		this.#store.forget(`inbound:${sessionId}`);
		const record = await this.#store.inbound(sessionId);
		if (record) this.#inbound.set(sessionId, record);
		return record;
	}

	hasKey(sessionId: string): Promise<boolean> {
		return this.#inboundKey(sessionId).then(Boolean);
	}

	// ── decrypting ───────────────────────────────────────────────────────────────────

	/**
	 * Verifies and decrypts a stored message. 'pending' = this device has no key for its session
	 * yet (call again when onKeyArrived names it); 'replay' = its (session, index) was already
	 * accepted for another message: drop it.
	 */
	async decrypt(message: StoredMessage, expectedConversationId: string): Promise<DecryptOutcome> {
		if (message.retractedAt) return { kind: 'retracted' };
		const envelope = message.envelope;
		if (envelope.conversationId !== expectedConversationId) return { kind: 'failed', error: 'This message does not belong to this conversation.' };
		const key = await this.#inboundKey(envelope.sessionId);
		if (!key) return { kind: 'pending' };
		if (message.senderUserId !== null && key.senderUserId !== message.senderUserId) {
			return { kind: 'failed', error: 'This message could not be verified: it names a different sender than its key.' };
		}
		let signingKey = key.senderSigningKey;
		if (!signingKey) {
			const device = (await this.conversationKeys(expectedConversationId).catch(() => null))?.devices.get(key.senderDeviceId);
			signingKey = device?.signingKey ?? null;
		}
		if (!signingKey) return { kind: 'failed', error: 'This message could not be verified: its sending device is unknown.' };
		const seen = await this.#seenFor(envelope.sessionId);
		try {
			const content = openEnvelope(envelope, { roomKey: key, senderSigningKey: signingKey }, { indexes: seen, messageId: message.messageId });
			this.#seenChanged(envelope.sessionId);
			return { kind: 'ok', content };
		} catch (error) {
			if (error instanceof BadSignature) return { kind: 'failed', error: 'This message could not be verified: its signature does not match its sender.' };
			if (error instanceof DecryptionFailed) {
				if (seen.has(envelope.sessionId, envelope.index) && error.message.includes('replay')) return { kind: 'replay' };
				return { kind: 'failed', error: error.message };
			}
			return { kind: 'failed', error: 'This message could not be decrypted.' };
		}
	}

	async #markSeen(envelope: MessageEnvelope, messageId: string): Promise<void> {
		const seen = await this.#seenFor(envelope.sessionId);
		seen.accept(envelope.sessionId, envelope.index, messageId);
		this.#seenChanged(envelope.sessionId);
	}

	async #seenFor(sessionId: string): Promise<SeenIndexes> {
		let seen = this.#seen.get(sessionId);
		if (!seen) {
			const stored = await this.#store.seen(sessionId);
			seen = this.#seen.get(sessionId) ?? SeenIndexes.fromJSON({ [sessionId]: Object.entries(stored).map(([index, id]) => [Number(index), id]) });
			this.#seen.set(sessionId, seen);
		}
		return seen;
	}

	#seenChanged(sessionId: string): void {
		this.#seenDirty.add(sessionId);
		clearTimeout(this.#seenTimer);
		this.#seenTimer = setTimeout(() => void this.flush(), seenPersistDelayMs);
	}

	/** Writes replay marks now (before a tab closes, and in tests). */
	async flush(): Promise<void> {
		clearTimeout(this.#seenTimer);
		const dirty = [...this.#seenDirty];
		this.#seenDirty.clear();
		for (const sessionId of dirty) {
			const seen = this.#seen.get(sessionId);
			if (!seen) continue;
			const marks = Object.fromEntries((seen.toJSON()[sessionId] ?? []).map(([index, id]) => [String(index), id]));
			await this.#store.setSeen(sessionId, marks);
		}
	}

	/** Runs `task` alone for `name` across this browser's tabs (Web Locks), else alone in this tab. */
	#exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
		const lockName = `clinicsync-chat:${this.#userId}:${name}`;
		if (typeof navigator !== 'undefined' && navigator.locks?.request) {
			return navigator.locks.request(lockName, () => task()) as Promise<T>;
		}
		const previous = this.#locks.get(lockName) ?? Promise.resolve();
		const run = previous.catch(() => {}).then(task);
		this.#locks.set(lockName, run);
		return run;
	}
}

/** Opens one backup entry, keeping the sender signing key the backup recorded (openFromBackup drops it). */
export function openBackedUp(sealed: string, backupPublicKey: string, backupSecretKey: string): BackedUpRoomKey | null {
	const sodium = na();
	try {
		const plain = sodium.crypto_box_seal_open(
			fromB64(sealed),
			keyFromB64(backupPublicKey, sodium.crypto_box_PUBLICKEYBYTES, 'backup public key'),
			keyFromB64(backupSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'backup secret key')
		);
		const value = JSON.parse(fromUtf8(plain)) as Record<string, unknown>;
		const roomKey = parseRoomKey(value);
		const signingKey = typeof value.senderSigningKey === 'string' ? value.senderSigningKey : null;
		return { ...roomKey, senderSigningKey: signingKey };
	} catch {
		return null;
	}
}
