import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from './identity';
import { formatSafetyNumber, identityFingerprint, safetyNumber } from './safety-number';
import { ready } from './sodium';

beforeAll(async () => {
	await ready();
});

describe('safety numbers', () => {
	it('are 60 digits in 12 groups of 5, the same from both sides', () => {
		const a = { userId: 'doctor', identityKey: createIdentity().publicKey };
		const b = { userId: 'nurse', identityKey: createIdentity().publicKey };
		const number = safetyNumber(a, b);
		expect(number).toMatch(/^\d{60}$/);
		expect(safetyNumber(b, a)).toBe(number);
		const groups = formatSafetyNumber(number);
		expect(groups).toHaveLength(12);
		expect(groups.join('')).toBe(number);
		expect(number).toContain(identityFingerprint(a));
		expect(number).toContain(identityFingerprint(b));
	});

	it('change when either identity key changes, or the key is claimed by another user', () => {
		const a = { userId: 'doctor', identityKey: createIdentity().publicKey };
		const b = { userId: 'nurse', identityKey: createIdentity().publicKey };
		const number = safetyNumber(a, b);
		expect(safetyNumber({ ...a, identityKey: createIdentity().publicKey }, b)).not.toBe(number);
		expect(safetyNumber(a, { ...b, identityKey: createIdentity().publicKey })).not.toBe(number);
		expect(safetyNumber(a, { ...b, userId: 'someone-else' })).not.toBe(number);
	});

	it('is the documented derivation (BLAKE2b-512, six big-endian 40-bit chunks mod 100000)', () => {
		// Checked against Node's own BLAKE2b so the browser, a future client and this file cannot drift apart.
		const digest = createHash('blake2b512').update('clinicsync-safety-v1\nu\nk').digest();
		const expected = [0, 1, 2, 3, 4, 5].map((c) => String(digest.readUIntBE(c * 5, 5) % 100000).padStart(5, '0')).join('');
		expect(identityFingerprint({ userId: 'u', identityKey: 'k' })).toBe(expected);
		expect(expected).toBe('528096063328848724108334217397');
	});
});
