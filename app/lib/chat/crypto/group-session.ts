/**
 * Megolm-like group sessions: one per (sending device, conversation). The session key never
 * leaves the member devices (room-key.ts boxes it to each); message i is sealed with
 * messageKey(i) = KDF(sessionKey, i), and the header (conversation, device, session, index) is
 * the AEAD's associated data, so a ciphertext opens only where it was sent.
 */
import type { AttachmentReference, MessageContent, MessageEnvelope } from '../protocol';
import { envelopeHeader, signEnvelope, verifyEnvelope } from './envelope';
import { BadSignature, ChatCryptoError, DecryptionFailed } from './errors';
import type { SeenIndexes } from './replay';
import type { RoomKey } from './room-key';
import { b64, concatBytes, fromB64, fromUtf8, keyFromB64, na, utf8, randomBytes } from './sodium';

const kdfContext = 'csmsgkey';

export function messageKey(sessionKey: Uint8Array, index: number): Uint8Array {
	return na().crypto_kdf_derive_from_key(32, index, kdfContext, sessionKey);
}

/** What the browser keeps of its own outbound session (in its encrypted key store). */
export interface ExportedOutboundSession {
	conversationId: string;
	senderDeviceId: string;
	sessionId: string;
	sessionKey: string;
	nextIndex: number;
	/** Epoch milliseconds; lets the client rotate old sessions. */
	createdAt: number;
}

export class OutboundSession {
	readonly conversationId: string;
	readonly senderDeviceId: string;
	readonly sessionId: string;
	readonly createdAt: number;
	nextIndex: number;
	#key: Uint8Array;

	private constructor(data: ExportedOutboundSession) {
		this.conversationId = data.conversationId;
		this.senderDeviceId = data.senderDeviceId;
		this.sessionId = data.sessionId;
		this.createdAt = data.createdAt;
		this.nextIndex = data.nextIndex;
		this.#key = keyFromB64(data.sessionKey, 32, 'session key');
	}

	static create(conversationId: string, senderDeviceId: string): OutboundSession {
		const sodium = na();
		return new OutboundSession({
			conversationId,
			senderDeviceId,
			sessionId: b64(randomBytes(16)),
			sessionKey: b64(randomBytes(32)),
			nextIndex: 0,
			createdAt: Date.now()
		});
	}

	static import(data: ExportedOutboundSession): OutboundSession {
		if (!Number.isSafeInteger(data.nextIndex) || data.nextIndex < 0) throw new ChatCryptoError('The stored session has a malformed index.');
		return new OutboundSession(data);
	}

	get sessionKey(): string {
		return b64(this.#key);
	}

	export(): ExportedOutboundSession {
		return {
			conversationId: this.conversationId,
			senderDeviceId: this.senderDeviceId,
			sessionId: this.sessionId,
			sessionKey: this.sessionKey,
			nextIndex: this.nextIndex,
			createdAt: this.createdAt
		};
	}

	/** The room key to share with member devices, from `firstIndex` (default: the next message) on. */
	roomKey(senderUserId: string, firstIndex = this.nextIndex): RoomKey {
		return {
			conversationId: this.conversationId,
			sessionId: this.sessionId,
			sessionKey: this.sessionKey,
			senderDeviceId: this.senderDeviceId,
			senderUserId,
			firstIndex
		};
	}

	/** Seals and signs the next message; the index advances even if sending later fails, so an index is never reused. */
	encrypt(content: MessageContent, signingSecretKey: string): MessageEnvelope {
		const sodium = na();
		const index = this.nextIndex;
		this.nextIndex += 1;
		const fields = { conversationId: this.conversationId, senderDeviceId: this.senderDeviceId, sessionId: this.sessionId, index };
		const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
		const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
			utf8(JSON.stringify(content)),
			envelopeHeader(fields),
			null,
			nonce,
			messageKey(this.#key, index)
		);
		return signEnvelope({ ...fields, ciphertext: b64(concatBytes(nonce, sealed)) }, signingSecretKey);
	}
}

/** Opens an envelope with its session's key; does not check the signature (see openEnvelope). Throws DecryptionFailed. */
export function decryptEnvelope(envelope: MessageEnvelope, sessionKeyB64: string): MessageContent {
	const sodium = na();
	let plaintext: Uint8Array;
	try {
		const sessionKey = keyFromB64(sessionKeyB64, 32, 'session key');
		const bytes = fromB64(envelope.ciphertext);
		const nonceBytes = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
		if (bytes.length < nonceBytes + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES) throw new DecryptionFailed();
		plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
			null,
			bytes.subarray(nonceBytes),
			envelopeHeader(envelope),
			bytes.subarray(0, nonceBytes),
			messageKey(sessionKey, envelope.index)
		);
	} catch {
		throw new DecryptionFailed();
	}
	return parseMessageContent(plaintext);
}

/**
 * What a recipient does with every envelope: the sending device's signature, the room key's
 * binding (same conversation, session and device; index not before the key's first index),
 * the replay check, then decryption. Throws BadSignature or DecryptionFailed.
 */
export function openEnvelope(
	envelope: MessageEnvelope,
	key: { roomKey: RoomKey; senderSigningKey: string },
	seen?: { indexes: SeenIndexes; messageId?: string }
): MessageContent {
	if (!verifyEnvelope(envelope, key.senderSigningKey)) throw new BadSignature();
	const { roomKey } = key;
	if (
		roomKey.conversationId !== envelope.conversationId ||
		roomKey.sessionId !== envelope.sessionId ||
		roomKey.senderDeviceId !== envelope.senderDeviceId
	) {
		throw new DecryptionFailed('This message does not belong to the session key this device holds for it.');
	}
	if (envelope.index < roomKey.firstIndex) throw new DecryptionFailed('This message was sent before this device was given its key.');
	const content = decryptEnvelope(envelope, roomKey.sessionKey);
	if (seen && !seen.indexes.accept(envelope.sessionId, envelope.index, seen.messageId)) {
		throw new DecryptionFailed('This message was already received once; the copy was dropped as a replay.');
	}
	return content;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAttachment(value: unknown): value is AttachmentReference {
	return (
		isObject(value) &&
		['attachmentId', 'name', 'contentType', 'key', 'header', 'hash'].every((k) => typeof value[k] === 'string') &&
		Number.isSafeInteger(value.size) &&
		(value.size as number) >= 0
	);
}

/** Decrypted bytes are still untrusted input from another member's device: check the shape. */
export function parseMessageContent(plaintext: Uint8Array): MessageContent {
	let value: unknown;
	try {
		value = JSON.parse(fromUtf8(plaintext));
	} catch {
		throw new DecryptionFailed('This message decrypted to something that is not a message.');
	}
	if (
		!isObject(value) ||
		typeof value.body !== 'string' ||
		typeof value.composedAt !== 'number' ||
		(value.replyTo !== undefined && typeof value.replyTo !== 'string') ||
		(value.attachment !== undefined && !isAttachment(value.attachment))
	) {
		throw new DecryptionFailed('This message decrypted to something that is not a message.');
	}
	const content: MessageContent = { body: value.body, composedAt: value.composedAt };
	if (value.replyTo !== undefined) content.replyTo = value.replyTo as string;
	if (value.attachment !== undefined) {
		const a = value.attachment as AttachmentReference;
		content.attachment = {
			attachmentId: a.attachmentId,
			name: a.name,
			contentType: a.contentType,
			size: a.size,
			key: a.key,
			header: a.header,
			hash: a.hash
		};
	}
	return content;
}
