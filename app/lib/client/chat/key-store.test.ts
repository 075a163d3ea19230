import { describe, expect, it } from 'vitest';
import { ChatKeyStore, generateWrappingKey, memoryBackend } from './key-store';

describe('ChatKeyStore', () => {
	it('keeps no plaintext at rest and reads back what it wrote', async () => {
		const backend = memoryBackend();
		const key = await generateWrappingKey();
		const store = new ChatKeyStore(backend, key);
		await store.setIdentity({ publicKey: 'PUBLIC-marker', secretKey: 'SECRET-marker' });
		const raw = backend.raw.get('identity')!;
		const bytes = new TextDecoder().decode(new Uint8Array(raw.data));
		expect(bytes).not.toContain('SECRET-marker');
		expect(raw.iv).toHaveLength(12);
		// A fresh store has no cache: this reads and opens the sealed record.
		const reopened = new ChatKeyStore(backend, key);
		expect(await reopened.identity()).toEqual({ publicKey: 'PUBLIC-marker', secretKey: 'SECRET-marker' });
	});

	it('uses a wrapping key that cannot be exported', async () => {
		const key = await generateWrappingKey();
		expect(key.extractable).toBe(false);
		await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
	});

	it('refuses a record moved to another name (the name is the additional data)', async () => {
		const backend = memoryBackend();
		const key = await generateWrappingKey();
		const store = new ChatKeyStore(backend, key);
		await store.put('inbound:session-a', { sessionKey: 'A' });
		backend.raw.set('inbound:session-b', backend.raw.get('inbound:session-a')!);
		await expect(new ChatKeyStore(backend, key).get('inbound:session-b')).rejects.toThrow();
	});

	it('refuses a tampered record and a record sealed under another browser key', async () => {
		const backend = memoryBackend();
		const key = await generateWrappingKey();
		const store = new ChatKeyStore(backend, key);
		await store.put('device', { deviceId: 'd' });
		const sealed = backend.raw.get('device')!;
		const flipped = new Uint8Array(sealed.data.slice(0));
		flipped[0] = flipped[0]! ^ 1;
		backend.raw.set('device', { iv: sealed.iv, data: flipped.buffer });
		await expect(new ChatKeyStore(backend, key).get('device')).rejects.toThrow();
		backend.raw.set('device', sealed);
		await expect(new ChatKeyStore(backend, await generateWrappingKey()).get('device')).rejects.toThrow();
	});

	it('lists records by prefix', async () => {
		const store = new ChatKeyStore(memoryBackend(), await generateWrappingKey());
		await store.setTrust({ userId: 'a', identityKey: 'K', verified: false, changedTo: null });
		await store.setTrust({ userId: 'b', identityKey: 'L', verified: true, changedTo: 'M' });
		await store.setInboxCursor(7);
		expect((await store.allTrust()).map(({ value }) => value.userId)).toEqual(['a', 'b']);
		expect(await store.inboxCursor()).toBe(7);
	});
});
