import { beforeAll, describe, expect, it } from 'vitest';
import { chatLimits } from '../protocol';
import { attachmentCiphertextSize, decryptAttachment, encryptAttachment, type EncryptedAttachment } from './attachment-stream';
import { DecryptionFailed } from './errors';
import { concatBytes, na, ready } from './sodium';

beforeAll(async () => {
	await ready();
});

const chunk = chatLimits.attachmentChunkBytes;
const cipherChunk = chunk + 17;

function fileOf(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
	return bytes;
}

function open(e: EncryptedAttachment, ciphertext = concatBytes(...e.ciphertext)) {
	return decryptAttachment(ciphertext, e.key, e.header, e.hash);
}

describe('attachment encryption', () => {
	it.each([0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5])('round trip of %i bytes', async (size) => {
		const file = fileOf(size);
		const encrypted = await encryptAttachment(file);
		expect(encrypted.size).toBe(size);
		expect(encrypted.ciphertext).toHaveLength(Math.max(1, Math.ceil(size / chunk)));
		const ciphertext = concatBytes(...encrypted.ciphertext);
		expect(ciphertext.length).toBe(attachmentCiphertextSize(size));
		expect(open(encrypted)).toEqual(file);
	});

	it('a stream in odd-sized pieces gives the same chunks as the whole file, with progress', async () => {
		const file = fileOf(2 * chunk + 1000);
		let at = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (at >= file.length) return controller.close();
				const piece = file.slice(at, at + 10_007);
				at += piece.length;
				controller.enqueue(piece);
			}
		});
		const progress: number[] = [];
		const encrypted = await encryptAttachment(stream, (done) => progress.push(done));
		expect(encrypted.ciphertext.map((c) => c.length)).toEqual([cipherChunk, cipherChunk, 1000 + 17]);
		expect(progress.at(-1)).toBe(file.length);
		const decryptProgress: number[] = [];
		expect(decryptAttachment(concatBytes(...encrypted.ciphertext), encrypted.key, encrypted.header, encrypted.hash, (d) => decryptProgress.push(d))).toEqual(file);
		expect(decryptProgress).toEqual([chunk, 2 * chunk, file.length]);
	});

	it('a flipped byte in any chunk fails', async () => {
		const encrypted = await encryptAttachment(fileOf(2 * chunk + 10));
		for (const position of [0, cipherChunk + 100, 2 * cipherChunk + 3]) {
			const ciphertext = concatBytes(...encrypted.ciphertext);
			ciphertext[position]! ^= 0x80;
			expect(() => open(encrypted, ciphertext)).toThrow(DecryptionFailed);
		}
	});

	it('dropping the final chunk (truncation) fails', async () => {
		const encrypted = await encryptAttachment(fileOf(2 * chunk + 10));
		expect(() => open(encrypted, concatBytes(...encrypted.ciphertext.slice(0, 2)))).toThrow(DecryptionFailed);
		// Exactly whole chunks: the truncated file ends on a chunk boundary and still fails.
		const whole = await encryptAttachment(fileOf(3 * chunk));
		expect(() => open(whole, concatBytes(...whole.ciphertext.slice(0, 2)))).toThrow(DecryptionFailed);
	});

	it('reordered, dropped middle or duplicated chunks fail', async () => {
		const encrypted = await encryptAttachment(fileOf(3 * chunk + 10));
		const [a, b, c, d] = encrypted.ciphertext as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
		expect(() => open(encrypted, concatBytes(a, c, b, d))).toThrow(DecryptionFailed);
		expect(() => open(encrypted, concatBytes(a, c, d))).toThrow(DecryptionFailed);
		expect(() => open(encrypted, concatBytes(a, a, b, c, d))).toThrow(DecryptionFailed);
		expect(() => open(encrypted, concatBytes(a, b, c, d, d))).toThrow(DecryptionFailed);
	});

	it('data appended after the final chunk fails', async () => {
		const encrypted = await encryptAttachment(fileOf(100));
		expect(() => open(encrypted, concatBytes(...encrypted.ciphertext, new Uint8Array(40)))).toThrow(DecryptionFailed);
	});

	it('the wrong key, header or hash fails', async () => {
		const file = fileOf(5000);
		const encrypted = await encryptAttachment(file);
		const other = await encryptAttachment(file);
		const ciphertext = concatBytes(...encrypted.ciphertext);
		expect(() => decryptAttachment(ciphertext, other.key, encrypted.header, encrypted.hash)).toThrow(DecryptionFailed);
		expect(() => decryptAttachment(ciphertext, encrypted.key, other.header, encrypted.hash)).toThrow(DecryptionFailed);
		const wrongHash = na().to_base64(new Uint8Array(32), na().base64_variants.URLSAFE_NO_PADDING);
		expect(() => decryptAttachment(ciphertext, encrypted.key, encrypted.header, wrongHash)).toThrow(DecryptionFailed);
		expect(other.hash).toBe(encrypted.hash);
		expect(() => decryptAttachment(new Uint8Array(3), encrypted.key, encrypted.header, encrypted.hash)).toThrow(DecryptionFailed);
	});
});
