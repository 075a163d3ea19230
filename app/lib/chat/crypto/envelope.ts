/**
 * What a message's signature and AEAD bind it to. `envelopeSignedBytes` is THE function the
 * server (chat:send) and every recipient use, so the two can never disagree about what was signed.
 * The header names the conversation, sending device, session and index: a message copied into
 * another conversation, session or position fails both the signature and the AEAD tag.
 */
import type { MessageEnvelope } from '../protocol';
import { ChatCryptoError } from './errors';
import { b64, concatBytes, keyFromB64, na, utf8 } from './sodium';

export type EnvelopeHeaderFields = Pick<MessageEnvelope, 'conversationId' | 'senderDeviceId' | 'sessionId' | 'index'>;
export type UnsignedEnvelope = Omit<MessageEnvelope, 'signature'>;

function singleLine(value: unknown, what: string): string {
	if (typeof value !== 'string' || value.length === 0 || value.includes('\n')) {
		throw new ChatCryptoError(`The message's ${what} is missing or malformed.`);
	}
	return value;
}

/** utf8(`clinicsync-msg-v1\n${conversationId}\n${senderDeviceId}\n${sessionId}\n${index}`): the AEAD's associated data. */
export function envelopeHeader(fields: EnvelopeHeaderFields): Uint8Array {
	const conversationId = singleLine(fields.conversationId, 'conversation');
	const senderDeviceId = singleLine(fields.senderDeviceId, 'sending device');
	const sessionId = singleLine(fields.sessionId, 'session');
	if (!Number.isSafeInteger(fields.index) || fields.index < 0) throw new ChatCryptoError("The message's index is malformed.");
	return utf8(`clinicsync-msg-v1\n${conversationId}\n${senderDeviceId}\n${sessionId}\n${fields.index}`);
}

/** header ‖ 0x0a ‖ utf8(ciphertext base64). Throws ChatCryptoError on a malformed envelope. */
export function envelopeSignedBytes(envelope: UnsignedEnvelope): Uint8Array {
	if (typeof envelope.ciphertext !== 'string') throw new ChatCryptoError("The message's ciphertext is missing.");
	return concatBytes(envelopeHeader(envelope), new Uint8Array([0x0a]), utf8(envelope.ciphertext));
}

export function signEnvelope(envelope: UnsignedEnvelope, signingSecretKey: string): MessageEnvelope {
	const sodium = na();
	const secretKey = keyFromB64(signingSecretKey, sodium.crypto_sign_SECRETKEYBYTES, 'device signing key');
	const signature = b64(sodium.crypto_sign_detached(envelopeSignedBytes(envelope), secretKey));
	return {
		conversationId: envelope.conversationId,
		senderDeviceId: envelope.senderDeviceId,
		sessionId: envelope.sessionId,
		index: envelope.index,
		ciphertext: envelope.ciphertext,
		signature
	};
}

/** False for a forged or malformed envelope or key; never throws (the server feeds it untrusted input). */
export function verifyEnvelope(envelope: MessageEnvelope, signingKeyB64: string): boolean {
	try {
		const sodium = na();
		if (typeof envelope !== 'object' || envelope === null || typeof envelope.signature !== 'string') return false;
		const publicKey = keyFromB64(signingKeyB64, sodium.crypto_sign_PUBLICKEYBYTES, 'device signing key');
		const signature = keyFromB64(envelope.signature, sodium.crypto_sign_BYTES, 'message signature');
		return sodium.crypto_sign_verify_detached(signature, envelopeSignedBytes(envelope), publicKey);
	} catch {
		return false;
	}
}
