/**
 * The clinic's optional compliance key: an X25519 key pair made in the admin's browser, whose
 * secret half is downloaded once and kept offline. Each new session key is also sealed to the
 * public half, so an authorized officer can decrypt an export, in the browser, for a legal review.
 */
import type { ComplianceExport, MessageContent } from '../protocol';
import { decryptEnvelope } from './group-session';
import { verifyEnvelope } from './envelope';
import { ChatCryptoError, DecryptionFailed } from './errors';
import { parseRoomKey, type RoomKey } from './room-key';
import { b64, fromB64, fromUtf8, keyFromB64, na, utf8 } from './sodium';

export interface ComplianceKeyPair {
	publicKey: string;
	secretKey: string;
}

/** The file the admin downloads once (its id is the server's id for the stored public key). */
export interface ComplianceKeyFile {
	kind: 'clinicsync-compliance-key';
	id: string;
	publicKey: string;
	secretKey: string;
}

export function createComplianceKeyPair(): ComplianceKeyPair {
	const pair = na().crypto_box_keypair();
	return { publicKey: b64(pair.publicKey), secretKey: b64(pair.privateKey) };
}

export function complianceKeyFile(id: string, pair: ComplianceKeyPair): ComplianceKeyFile {
	return { kind: 'clinicsync-compliance-key', id, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** Reads a key file the officer picked; checks the secret key matches its public key. */
export function parseComplianceKeyFile(text: string): ComplianceKeyFile {
	const bad = () => new ChatCryptoError('That file is not a ClinicSync compliance key.');
	let value: Partial<ComplianceKeyFile>;
	try {
		value = JSON.parse(text);
	} catch {
		throw bad();
	}
	if (
		value?.kind !== 'clinicsync-compliance-key' ||
		typeof value.id !== 'string' ||
		typeof value.publicKey !== 'string' ||
		typeof value.secretKey !== 'string'
	) {
		throw bad();
	}
	const sodium = na();
	try {
		const derived = sodium.crypto_scalarmult_base(keyFromB64(value.secretKey, sodium.crypto_box_SECRETKEYBYTES, 'compliance key'));
		if (b64(derived) !== value.publicKey) throw bad();
	} catch {
		throw bad();
	}
	return { kind: value.kind, id: value.id, publicKey: value.publicKey, secretKey: value.secretKey };
}

export function sealToCompliance(roomKeyJson: string | RoomKey, publicKey: string): string {
	const sodium = na();
	const json = typeof roomKeyJson === 'string' ? roomKeyJson : JSON.stringify(roomKeyJson);
	return b64(sodium.crypto_box_seal(utf8(json), keyFromB64(publicKey, sodium.crypto_box_PUBLICKEYBYTES, 'compliance public key')));
}

export function openFromCompliance(sealed: string, secretKey: string): RoomKey {
	const sodium = na();
	try {
		const secret = keyFromB64(secretKey, sodium.crypto_box_SECRETKEYBYTES, 'compliance key');
		const plain = sodium.crypto_box_seal_open(fromB64(sealed), sodium.crypto_scalarmult_base(secret), secret);
		return parseRoomKey(JSON.parse(fromUtf8(plain)));
	} catch {
		throw new DecryptionFailed('A conversation key in the export does not open with this compliance key.');
	}
}

export interface ComplianceExportRow {
	messageId: string;
	sentAt: string;
	sender: string;
	content: MessageContent | null;
	error?: string;
}

/**
 * Decrypts every message of an export it can; a message that cannot be read becomes a row with
 * `error` in plain words (a review must see that a message existed even when it cannot be read).
 */
export function decryptComplianceExport(exp: ComplianceExport, secretKey: string): ComplianceExportRow[] {
	const keys = new Map<string, RoomKey | Error>();
	const keyFor = (sessionId: string): RoomKey | Error => {
		let key = keys.get(sessionId);
		if (!key) {
			const sealed = exp.roomKeys[sessionId];
			if (!sealed) key = new DecryptionFailed('The export holds no key for this message’s session (it was sent before the compliance key was set).');
			else {
				try {
					key = openFromCompliance(sealed, secretKey);
					if (key.sessionId !== sessionId || key.conversationId !== exp.conversationId) {
						key = new DecryptionFailed('The key filed for this message’s session belongs to another session.');
					}
				} catch (error) {
					key = error as Error;
				}
			}
			keys.set(sessionId, key);
		}
		return key;
	};
	return exp.messages.map((message) => {
		const row = { messageId: message.messageId, sentAt: message.sentAt, sender: message.senderDisplayName };
		if (message.retractedAt) return { ...row, content: null, error: 'Deleted for everyone by its sender.' };
		const { envelope } = message;
		if (envelope.conversationId !== exp.conversationId) return { ...row, content: null, error: 'This message names another conversation.' };
		if (!message.senderSigningKey || !verifyEnvelope(envelope, message.senderSigningKey)) {
			return { ...row, content: null, error: 'The sender’s signature on this message does not verify.' };
		}
		const key = keyFor(envelope.sessionId);
		if (key instanceof Error) return { ...row, content: null, error: key.message };
		if (key.senderDeviceId !== envelope.senderDeviceId) return { ...row, content: null, error: 'This message’s key belongs to another device.' };
		try {
			return { ...row, content: decryptEnvelope(envelope, key.sessionKey) };
		} catch (error) {
			return { ...row, content: null, error: (error as Error).message };
		}
	});
}
