/** A browser device's own keys: Ed25519 signs its messages, X25519 receives room keys. */
import type { KeyPair } from './identity';
import { b64, na } from './sodium';

export interface DeviceKeyPairs {
	signing: KeyPair;
	box: KeyPair;
}

export function createDeviceKeys(): DeviceKeyPairs {
	const sodium = na();
	const signing = sodium.crypto_sign_keypair();
	const box = sodium.crypto_box_keypair();
	return {
		signing: { publicKey: b64(signing.publicKey), secretKey: b64(signing.privateKey) },
		box: { publicKey: b64(box.publicKey), secretKey: b64(box.privateKey) }
	};
}
