/**
 * The call key and the in-call chat's encryption (issue 7). Each browser session makes an
 * ephemeral X25519 key pair and publishes the public half on `consult:enter`. The host's browser
 * makes the call key (32 random bytes) and seals it to each admitted participant
 * (crypto_box_seal): the server relays the sealed box and never holds the key. Chat is
 * secretbox under the call key; the sender's participant id is inside the ciphertext, so a relay
 * that changes `from` is caught. LiveKit's end-to-end media encryption uses the same key.
 *
 * Encoding: libsodium's ORIGINAL base64 (the contract of consult-events.ts).
 */
import { na, randomBytes, ready, utf8, fromUtf8 } from '$lib/chat/crypto/sodium';

export const callKeyBytes = 32;

function b64(bytes: Uint8Array): string {
	const s = na();
	return s.to_base64(bytes, s.base64_variants.ORIGINAL);
}

function fromB64(text: string): Uint8Array {
	const s = na();
	return s.from_base64(text, s.base64_variants.ORIGINAL);
}

/** This browser session's key pair for receiving the sealed call key; never stored. */
export class SessionKeys {
	readonly publicKey: string;
	readonly #publicKey: Uint8Array;
	readonly #secretKey: Uint8Array;

	private constructor(publicKey: Uint8Array, secretKey: Uint8Array) {
		this.#publicKey = publicKey;
		this.#secretKey = secretKey;
		this.publicKey = b64(publicKey);
	}

	static async create(): Promise<SessionKeys> {
		await ready();
		const pair = na().crypto_box_keypair();
		return new SessionKeys(pair.publicKey, pair.privateKey);
	}

	/** Opens a call key sealed to this session; null when it is not for us or not a key. */
	openCallKey(sealed: string): Uint8Array | null {
		try {
			const key = na().crypto_box_seal_open(fromB64(sealed), this.#publicKey, this.#secretKey);
			return key.length === callKeyBytes ? key : null;
		} catch {
			return null;
		}
	}
}

export function makeCallKey(): Uint8Array {
	return randomBytes(callKeyBytes);
}

/** The call key sealed to a participant's published public key (base64), or null for a malformed key. */
export function sealCallKey(callKey: Uint8Array, recipientPublicKey: string): string | null {
	try {
		const publicKey = fromB64(recipientPublicKey);
		if (publicKey.length !== na().crypto_box_PUBLICKEYBYTES) return null;
		return b64(na().crypto_box_seal(callKey, publicKey));
	} catch {
		return null;
	}
}

export interface ChatCiphertext {
	nonce: string;
	ciphertext: string;
}

/** A chat line encrypted under the call key, bound to the sender's participant id. */
export function encryptChat(callKey: Uint8Array, from: string, text: string): ChatCiphertext {
	const s = na();
	const nonce = randomBytes(s.crypto_secretbox_NONCEBYTES);
	const plaintext = utf8(JSON.stringify({ v: 1, from, text }));
	return { nonce: b64(nonce), ciphertext: b64(s.crypto_secretbox_easy(plaintext, nonce, callKey)) };
}

/**
 * The chat line, or null when no key opens it or the sender inside differs from the relay's
 * `from` (tried with each key this call has had: a host who reloads makes a new one).
 */
export function decryptChat(callKeys: readonly Uint8Array[], from: string, message: ChatCiphertext): string | null {
	const s = na();
	let nonce: Uint8Array;
	let ciphertext: Uint8Array;
	try {
		nonce = fromB64(message.nonce);
		ciphertext = fromB64(message.ciphertext);
	} catch {
		return null;
	}
	if (nonce.length !== s.crypto_secretbox_NONCEBYTES) return null;
	for (const key of callKeys) {
		try {
			const plain = s.crypto_secretbox_open_easy(ciphertext, nonce, key);
			const parsed = JSON.parse(fromUtf8(plain)) as { v?: unknown; from?: unknown; text?: unknown };
			if (parsed.v !== 1 || parsed.from !== from || typeof parsed.text !== 'string') return null;
			return parsed.text;
		} catch {
			// Not this key: try the next one.
		}
	}
	return null;
}
