import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SealedBytes {
	keyId: string;
	nonce: Uint8Array;
	ciphertext: Uint8Array;
}

export interface DocumentCipher {
	keyId: string;
	seal(plaintext: Uint8Array): SealedBytes;
	open(sealed: SealedBytes): Uint8Array;
}

const tagLength = 16;

/** AES-256-GCM: authenticated, so a changed byte in storage fails to open instead of serving garbage. */
export function createDocumentCipher(key: Uint8Array): DocumentCipher {
	if (key.length !== 32) throw new Error('The document encryption key must be 32 bytes.');
	const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
	return {
		keyId,
		seal(plaintext) {
			const nonce = randomBytes(12);
			const cipher = createCipheriv('aes-256-gcm', key, nonce);
			const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
			return { keyId, nonce, ciphertext: body };
		},
		open(sealed) {
			if (sealed.keyId !== keyId) throw new Error(`Document was sealed with key ${sealed.keyId}, which is not loaded.`);
			const body = Buffer.from(sealed.ciphertext);
			const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
			decipher.setAuthTag(body.subarray(body.length - tagLength));
			return Buffer.concat([decipher.update(body.subarray(0, body.length - tagLength)), decipher.final()]);
		}
	};
}

/**
 * The key comes from DOCUMENT_ENCRYPTION_KEY (base64). Without it, a key is generated once into
 * the data directory (mode 0600) so a first run works; production should set the variable and
 * keep the key away from database backups.
 */
export function loadDocumentKey(configured: string | undefined, dataDir: string): Uint8Array {
	if (configured) {
		const key = Buffer.from(configured, 'base64');
		if (key.length !== 32) throw new Error('DOCUMENT_ENCRYPTION_KEY must be 32 bytes, base64-encoded.');
		return key;
	}
	const keyFile = path.join(dataDir, 'document-encryption.key');
	if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
	mkdirSync(dataDir, { recursive: true });
	const key = randomBytes(32);
	writeFileSync(keyFile, key.toString('base64'), { mode: 0o600, flag: 'wx' });
	return key;
}
