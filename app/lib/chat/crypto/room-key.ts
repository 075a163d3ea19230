/**
 * Sharing a group session's key with one member device. The key is boxed (X25519, authenticated
 * by the sender's box key) and the box is signed by the sender device's Ed25519 key over the
 * recipient's device id, so the server can neither read it, forge it, nor redirect it to another
 * device. Stored payload = base64(utf8(JSON {box, sig})).
 */
import { BadSignature, DecryptionFailed } from './errors';
import { b64, concatBytes, fromB64, fromUtf8, keyFromB64, na, utf8, randomBytes } from './sodium';

export interface RoomKey {
	conversationId: string;
	sessionId: string;
	/** 32 bytes, base64. */
	sessionKey: string;
	senderDeviceId: string;
	senderUserId: string;
	/** The first message index this key is meant for (a member added later does not get earlier ones). */
	firstIndex: number;
}

function roomKeySignedBytes(recipientDeviceId: string, box: string): Uint8Array {
	return concatBytes(utf8(`clinicsync-roomkey-v1\n${recipientDeviceId}\n`), utf8(box));
}

export function sealRoomKey(
	roomKey: RoomKey,
	sender: { signingSecretKey: string; boxSecretKey: string },
	recipient: { deviceId: string; boxKey: string }
): string {
	const sodium = na();
	const nonce = randomBytes(sodium.crypto_box_NONCEBYTES);
	const plain = JSON.stringify({
		conversationId: roomKey.conversationId,
		sessionId: roomKey.sessionId,
		sessionKey: roomKey.sessionKey,
		senderDeviceId: roomKey.senderDeviceId,
		senderUserId: roomKey.senderUserId,
		firstIndex: roomKey.firstIndex
	});
	const boxed = sodium.crypto_box_easy(
		utf8(plain),
		nonce,
		keyFromB64(recipient.boxKey, sodium.crypto_box_PUBLICKEYBYTES, 'recipient device key'),
		keyFromB64(sender.boxSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'device box key')
	);
	const box = b64(concatBytes(nonce, boxed));
	const sig = b64(
		sodium.crypto_sign_detached(
			roomKeySignedBytes(recipient.deviceId, box),
			keyFromB64(sender.signingSecretKey, sodium.crypto_sign_SECRETKEYBYTES, 'device signing key')
		)
	);
	return b64(utf8(JSON.stringify({ box, sig })));
}

/** Validates a room key's shape (it came from another device or from the backup). */
export function parseRoomKey(value: unknown): RoomKey {
	const v = value as Record<string, unknown> | null;
	if (
		typeof v !== 'object' ||
		v === null ||
		!['conversationId', 'sessionId', 'sessionKey', 'senderDeviceId', 'senderUserId'].every((k) => typeof v[k] === 'string') ||
		!Number.isSafeInteger(v.firstIndex) ||
		(v.firstIndex as number) < 0
	) {
		throw new DecryptionFailed('The conversation key received is malformed.');
	}
	try {
		keyFromB64(v.sessionKey as string, 32, 'session key');
	} catch {
		throw new DecryptionFailed('The conversation key received is malformed.');
	}
	return {
		conversationId: v.conversationId as string,
		sessionId: v.sessionId as string,
		sessionKey: v.sessionKey as string,
		senderDeviceId: v.senderDeviceId as string,
		senderUserId: v.senderUserId as string,
		firstIndex: v.firstIndex as number
	};
}

/**
 * Opens a room key share addressed to this device. `sender` are the public keys of the device
 * the to-device message names as its sender (the caller checks that device is a signed device of
 * a member). `expect` pins fields the caller already knows from the to-device row.
 * Throws BadSignature or DecryptionFailed.
 */
export function openRoomKey(
	payload: string,
	recipient: { deviceId: string; boxSecretKey: string },
	sender: { signingKey: string; boxKey: string; deviceId?: string },
	expect: { conversationId?: string | null; sessionId?: string | null } = {}
): RoomKey {
	const sodium = na();
	let wrapper: { box?: unknown; sig?: unknown };
	try {
		wrapper = JSON.parse(fromUtf8(fromB64(payload)));
	} catch {
		throw new DecryptionFailed('The conversation key received is malformed.');
	}
	if (typeof wrapper !== 'object' || wrapper === null || typeof wrapper.box !== 'string' || typeof wrapper.sig !== 'string') {
		throw new DecryptionFailed('The conversation key received is malformed.');
	}
	let signed = false;
	try {
		signed = sodium.crypto_sign_verify_detached(
			keyFromB64(wrapper.sig, sodium.crypto_sign_BYTES, 'signature'),
			roomKeySignedBytes(recipient.deviceId, wrapper.box),
			keyFromB64(sender.signingKey, sodium.crypto_sign_PUBLICKEYBYTES, 'sender signing key')
		);
	} catch {
		signed = false;
	}
	if (!signed) throw new BadSignature('The conversation key was not signed by the device it names, or was meant for another device.');
	let plain: Uint8Array;
	try {
		const bytes = fromB64(wrapper.box);
		if (bytes.length < sodium.crypto_box_NONCEBYTES + sodium.crypto_box_MACBYTES) throw new DecryptionFailed();
		plain = sodium.crypto_box_open_easy(
			bytes.subarray(sodium.crypto_box_NONCEBYTES),
			bytes.subarray(0, sodium.crypto_box_NONCEBYTES),
			keyFromB64(sender.boxKey, sodium.crypto_box_PUBLICKEYBYTES, 'sender device key'),
			keyFromB64(recipient.boxSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'device box key')
		);
	} catch {
		throw new DecryptionFailed('The conversation key could not be opened by this device.');
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(fromUtf8(plain));
	} catch {
		throw new DecryptionFailed('The conversation key received is malformed.');
	}
	const roomKey = parseRoomKey(parsed);
	if (
		(sender.deviceId !== undefined && roomKey.senderDeviceId !== sender.deviceId) ||
		(expect.conversationId != null && roomKey.conversationId !== expect.conversationId) ||
		(expect.sessionId != null && roomKey.sessionId !== expect.sessionId)
	) {
		throw new DecryptionFailed('The conversation key does not match the conversation or device it was sent for.');
	}
	return roomKey;
}
