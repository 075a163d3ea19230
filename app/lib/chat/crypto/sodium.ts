/**
 * The one place libsodium is loaded. Every other crypto module is synchronous and expects
 * `ready()` to have resolved once (the WebAssembly module loads asynchronously); calling one
 * before that throws a clear error instead of libsodium's "undefined is not a function".
 * Isomorphic: Node (tests, bench, server signature checks) and the browser through Vite.
 */
import sodium from 'libsodium-wrappers-sumo';
import { ChatCryptoError } from './errors';

export type Sodium = typeof sodium;

let loaded: Promise<Sodium> | null = null;
let isReady = false;

export function ready(): Promise<Sodium> {
	loaded ??= sodium.ready.then(() => {
		isReady = true;
		return sodium;
	});
	return loaded;
}

/** libsodium after `ready()`; throws if a caller forgot to await it. */
export function na(): Sodium {
	if (!isReady) throw new ChatCryptoError('Chat crypto is not loaded yet: await ready() first.');
	return sodium;
}

/** URL-safe unpadded base64, the protocol's only binary encoding. */
export function b64(bytes: Uint8Array): string {
	return na().to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
}

/** Decodes the protocol's base64; throws a plain ChatCryptoError on anything else. */
export function fromB64(text: string): Uint8Array {
	if (typeof text !== 'string') throw new ChatCryptoError('Expected base64 text.');
	try {
		return na().from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING);
	} catch {
		throw new ChatCryptoError('Expected URL-safe base64 without padding.');
	}
}

/**
 * Random bytes from the platform's CSPRNG (Web Crypto, in browsers and in Node). libsodium.js's
 * randombytes_buf calls out of WebAssembly for every four bytes and costs ~200 µs for a nonce in
 * Node, more than the rest of a message's encryption and signature together.
 */
export function randomBytes(length: number): Uint8Array {
	const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
	if (!webCrypto?.getRandomValues) throw new ChatCryptoError('This platform has no secure random number generator.');
	return webCrypto.getRandomValues(new Uint8Array(length));
}

export function utf8(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}

/** Strict UTF-8 decoding: invalid bytes are an error, never replacement characters. */
export function fromUtf8(bytes: Uint8Array): string {
	return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

/** Decodes base64 that must hold exactly `length` bytes (a key), or throws. */
export function keyFromB64(text: string, length: number, what: string): Uint8Array {
	const bytes = fromB64(text);
	if (bytes.length !== length) throw new ChatCryptoError(`The ${what} has the wrong length.`);
	return bytes;
}
