import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDocumentCipher, loadDocumentKey } from './cipher';

describe('document cipher', () => {
	const cipher = createDocumentCipher(randomBytes(32));
	const plaintext = new TextEncoder().encode('%PDF-1.7 lab report: potassium 5.9 mmol/L');

	it('round-trips, and the sealed bytes do not contain the plaintext', () => {
		const sealed = cipher.seal(plaintext);
		expect(Buffer.from(sealed.ciphertext).includes(Buffer.from('potassium'))).toBe(false);
		expect(Buffer.from(cipher.open(sealed))).toEqual(Buffer.from(plaintext));
	});
	it('refuses tampered ciphertext', () => {
		const sealed = cipher.seal(plaintext);
		sealed.ciphertext[3]! ^= 1;
		expect(() => cipher.open(sealed)).toThrow();
	});
	it('refuses bytes sealed under another key', () => {
		const other = createDocumentCipher(randomBytes(32));
		expect(() => other.open(cipher.seal(plaintext))).toThrow(/not loaded/);
	});
	it('generates a key into the data directory once, readable only by the owner', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'cipher-'));
		try {
			const first = loadDocumentKey(undefined, dir);
			const second = loadDocumentKey(undefined, dir);
			expect(Buffer.from(first)).toEqual(Buffer.from(second));
			const file = path.join(dir, 'document-encryption.key');
			expect(statSync(file).mode & 0o077).toBe(0);
			expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toHaveLength(32);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
	it('rejects a configured key of the wrong length', () => {
		expect(() => loadDocumentKey(Buffer.alloc(16).toString('base64'), '/nonexistent')).toThrow(/32 bytes/);
	});
});
