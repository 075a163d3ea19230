import { beforeAll, describe, expect, it } from 'vitest';
import { createDeviceKeys } from './device-keys';
import { createIdentity, signDevice, verifyDeviceSignature } from './identity';
import { b64, fromB64, ready } from './sodium';

beforeAll(async () => {
	await ready();
});

function newDevice(userId = 'user-1', deviceId = 'device-1') {
	const keys = createDeviceKeys();
	return { userId, deviceId, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey };
}

describe('device signatures', () => {
	it('a device signed by the identity key verifies', () => {
		const identity = createIdentity();
		const device = newDevice();
		const signature = signDevice(identity.secretKey, device);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signature })).toBe(true);
	});

	it('a signature by another identity key is a forgery', () => {
		const identity = createIdentity();
		const attacker = createIdentity();
		const device = newDevice();
		const signature = signDevice(attacker.secretKey, device);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signature })).toBe(false);
	});

	it('a signature does not carry over to other keys, another device id or another user', () => {
		const identity = createIdentity();
		const device = newDevice();
		const signature = signDevice(identity.secretKey, device);
		const swapped = newDevice();
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signingKey: swapped.signingKey, signature })).toBe(false);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, boxKey: swapped.boxKey, signature })).toBe(false);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, deviceId: 'device-2', signature })).toBe(false);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, userId: 'user-2', signature })).toBe(false);
	});

	it('a flipped bit, a missing or malformed signature is refused without throwing', () => {
		const identity = createIdentity();
		const device = newDevice();
		const signature = fromB64(signDevice(identity.secretKey, device));
		signature[3]! ^= 1;
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signature: b64(signature) })).toBe(false);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signature: null })).toBe(false);
		expect(verifyDeviceSignature(identity.publicKey, { ...device, signature: 'not base64!' })).toBe(false);
		expect(verifyDeviceSignature('short', { ...device, signature: b64(signature) })).toBe(false);
	});

	it('device keys are fresh each time and have libsodium sizes', () => {
		const a = createDeviceKeys();
		const b = createDeviceKeys();
		expect(a.signing.publicKey).not.toBe(b.signing.publicKey);
		expect(fromB64(a.signing.publicKey)).toHaveLength(32);
		expect(fromB64(a.signing.secretKey)).toHaveLength(64);
		expect(fromB64(a.box.publicKey)).toHaveLength(32);
		expect(fromB64(a.box.secretKey)).toHaveLength(32);
	});
});
