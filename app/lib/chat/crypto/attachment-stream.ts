/**
 * Attachments are encrypted in the browser with crypto_secretstream in 64 KiB chunks, so a
 * 100 MB X-ray never needs one giant AEAD call and a dropped, reordered or truncated chunk is
 * detected (each chunk's tag chains to the previous one; only the last carries TAG_FINAL).
 * The key, header and a BLAKE2b-256 of the plaintext travel inside the (encrypted) message.
 */
import { chatLimits } from '../protocol';
import { DecryptionFailed } from './errors';
import { b64, keyFromB64, na, type Sodium } from './sodium';

export interface EncryptedAttachment {
	/** Chunk ciphertexts in order; the upload is their concatenation. */
	ciphertext: Uint8Array[];
	key: string;
	header: string;
	/** BLAKE2b-256 of the plaintext. */
	hash: string;
	/** Plaintext bytes. */
	size: number;
}

/** (plaintext bytes done, total if known). */
export type AttachmentProgress = (done: number, total: number | null) => void;

const chunkBytes = chatLimits.attachmentChunkBytes;

/** Ciphertext bytes for a plaintext of `size` bytes (an empty file is one final chunk). */
export function attachmentCiphertextSize(size: number): number {
	const chunks = Math.max(1, Math.ceil(size / chunkBytes));
	return size + chunks * na().crypto_secretstream_xchacha20poly1305_ABYTES;
}

async function* plaintextChunks(input: Uint8Array | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
	if (input instanceof Uint8Array) {
		for (let at = 0; at < input.length; at += chunkBytes) yield input.subarray(at, at + chunkBytes);
		return;
	}
	// Streams deliver pieces of any size: regroup them into exact 64 KiB chunks.
	const reader = input.getReader();
	const buffer = new Uint8Array(chunkBytes);
	let filled = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			let at = 0;
			while (at < value.length) {
				const take = Math.min(chunkBytes - filled, value.length - at);
				buffer.set(value.subarray(at, at + take), filled);
				filled += take;
				at += take;
				if (filled === chunkBytes) {
					yield buffer.slice();
					filled = 0;
				}
			}
		}
	} finally {
		reader.releaseLock();
	}
	if (filled > 0) yield buffer.slice(0, filled);
}

export async function encryptAttachment(
	input: Uint8Array | ReadableStream<Uint8Array>,
	onProgress?: AttachmentProgress
): Promise<EncryptedAttachment> {
	const sodium = na();
	const total = input instanceof Uint8Array ? input.length : null;
	const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
	const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
	const hashState = sodium.crypto_generichash_init(null, 32);
	const ciphertext: Uint8Array[] = [];
	let size = 0;
	// One chunk of look-ahead: a chunk is pushed only once we know whether it is the last (TAG_FINAL).
	let pending: Uint8Array | null = null;
	for await (const chunk of plaintextChunks(input)) {
		if (pending) ciphertext.push(sodium.crypto_secretstream_xchacha20poly1305_push(state, pending, null, sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE));
		sodium.crypto_generichash_update(hashState, chunk);
		size += chunk.length;
		pending = chunk;
		onProgress?.(size, total);
	}
	ciphertext.push(
		sodium.crypto_secretstream_xchacha20poly1305_push(state, pending ?? new Uint8Array(0), null, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL)
	);
	return {
		ciphertext,
		key: b64(key),
		header: b64(header),
		hash: b64(sodium.crypto_generichash_final(hashState, 32)),
		size
	};
}

/**
 * Decrypts the uploaded concatenation of chunk ciphertexts. Throws DecryptionFailed when any
 * chunk was altered, dropped, reordered or appended, when the final chunk is missing, or when
 * the plaintext's hash differs from the one the sender put in the message.
 */
export function decryptAttachment(
	ciphertext: Uint8Array,
	key: string,
	header: string,
	expectedHash: string,
	onProgress?: AttachmentProgress
): Uint8Array {
	const sodium = na();
	const abytes = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
	const cipherChunk = chunkBytes + abytes;
	const fail = () => new DecryptionFailed('This attachment could not be decrypted: the file was altered or is incomplete.');
	let state: ReturnType<Sodium['crypto_secretstream_xchacha20poly1305_init_pull']>;
	let expected: Uint8Array;
	try {
		state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(
			keyFromB64(header, sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES, 'attachment header'),
			keyFromB64(key, sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES, 'attachment key')
		);
		expected = keyFromB64(expectedHash, 32, 'attachment hash');
	} catch {
		throw fail();
	}
	if (ciphertext.length < abytes) throw fail();
	const total = ciphertext.length - Math.ceil(ciphertext.length / cipherChunk) * abytes;
	const plaintext = new Uint8Array(Math.max(0, total));
	const hashState = sodium.crypto_generichash_init(null, 32);
	let written = 0;
	let finished = false;
	for (let at = 0; at < ciphertext.length; at += cipherChunk) {
		if (finished) throw fail();
		const chunk = ciphertext.subarray(at, at + cipherChunk);
		if (chunk.length < abytes) throw fail();
		let result: { message: Uint8Array; tag: number } | false;
		try {
			result = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, null);
		} catch {
			throw fail();
		}
		if (!result) throw fail();
		const last = at + cipherChunk >= ciphertext.length;
		if (result.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished = true;
		else if (result.tag !== sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE || last) throw fail();
		plaintext.set(result.message, written);
		sodium.crypto_generichash_update(hashState, result.message);
		written += result.message.length;
		onProgress?.(written, total);
	}
	if (!finished) throw fail();
	if (!sodium.memcmp(sodium.crypto_generichash_final(hashState, 32), expected)) throw fail();
	return plaintext;
}
