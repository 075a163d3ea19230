/**
 * Safety numbers (after Signal): two people compare 60 digits in person or on a call; equal
 * digits mean each holds the other's real identity key. Any change of either key changes them.
 */
import { na, utf8 } from './sodium';

export interface IdentityRef {
	userId: string;
	identityKey: string;
}

/** 30 digits: six 5-byte chunks of BLAKE2b-512, each read big-endian, mod 100000. */
export function identityFingerprint(user: IdentityRef): string {
	const digest = na().crypto_generichash(64, utf8(`clinicsync-safety-v1\n${user.userId}\n${user.identityKey}`), null);
	let digits = '';
	for (let chunk = 0; chunk < 6; chunk++) {
		let value = 0;
		// 40-bit values stay exact in a double (< 2^53).
		for (let i = 0; i < 5; i++) value = value * 256 + (digest[chunk * 5 + i] ?? 0);
		digits += String(value % 100000).padStart(5, '0');
	}
	return digits;
}

/** 60 digits, the same for both people (the two fingerprints sorted). */
export function safetyNumber(a: IdentityRef, b: IdentityRef): string {
	return [identityFingerprint(a), identityFingerprint(b)].sort().join('');
}

/** 12 groups of 5 digits, for display. */
export function formatSafetyNumber(number: string): string[] {
	return number.match(/\d{5}/g) ?? [];
}
