import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '$lib/chat/crypto/sodium';
import { SessionKeys, decryptChat, encryptChat, makeCallKey, sealCallKey } from './call-keys';

beforeAll(async () => {
	await ready();
});

describe('call key', () => {
	it('opens only for the session it was sealed to', async () => {
		const [patient, other] = await Promise.all([SessionKeys.create(), SessionKeys.create()]);
		const key = makeCallKey();
		const sealed = sealCallKey(key, patient.publicKey)!;
		expect(patient.openCallKey(sealed)).toEqual(key);
		expect(other.openCallKey(sealed)).toBeNull();
		expect(patient.openCallKey('not a box')).toBeNull();
	});

	it('refuses to seal to a malformed public key', () => {
		expect(sealCallKey(makeCallKey(), 'AAAA')).toBeNull();
		expect(sealCallKey(makeCallKey(), '%%%')).toBeNull();
	});
});

describe('chat under the call key', () => {
	it('round-trips, and tries the call’s earlier keys', () => {
		const [older, newer] = [makeCallKey(), makeCallKey()];
		const message = encryptChat(older, 'p1', 'Can you see my screen?');
		expect(message.ciphertext).not.toContain('screen');
		expect(decryptChat([newer, older], 'p1', message)).toBe('Can you see my screen?');
	});

	it('is refused with another key, another sender than the relay names, or a damaged nonce', () => {
		const key = makeCallKey();
		const message = encryptChat(key, 'p1', 'hello');
		expect(decryptChat([makeCallKey()], 'p1', message)).toBeNull();
		expect(decryptChat([key], 'p2', message)).toBeNull();
		expect(decryptChat([key], 'p1', { ...message, nonce: 'AAAA' })).toBeNull();
	});
});
