/**
 * A user's identity key (Ed25519). It signs the user's devices, so others trust a device only
 * through the identity key they verified with a safety number.
 */
import { b64, keyFromB64, na, utf8 } from './sodium';

export interface KeyPair {
	publicKey: string;
	secretKey: string;
}

export interface DeviceToSign {
	userId: string;
	deviceId: string;
	signingKey: string;
	boxKey: string;
}

export function createIdentity(): KeyPair {
	const pair = na().crypto_sign_keypair();
	return { publicKey: b64(pair.publicKey), secretKey: b64(pair.privateKey) };
}

/** The bytes a device signature covers; ids and keys never contain a newline (checked). */
export function deviceSignedBytes(device: DeviceToSign): Uint8Array {
	for (const value of [device.userId, device.deviceId, device.signingKey, device.boxKey]) {
		if (typeof value !== 'string' || value.includes('\n')) throw new TypeError('A device field is not a single-line string.');
	}
	return utf8(`clinicsync-device-v1\n${device.userId}\n${device.deviceId}\n${device.signingKey}\n${device.boxKey}`);
}

export function signDevice(identitySecretKey: string, device: DeviceToSign): string {
	const sodium = na();
	const secretKey = keyFromB64(identitySecretKey, sodium.crypto_sign_SECRETKEYBYTES, 'identity secret key');
	return b64(sodium.crypto_sign_detached(deviceSignedBytes(device), secretKey));
}

/** False for a forged, malformed or missing signature; never throws on bad input. */
export function verifyDeviceSignature(identityKey: string, device: DeviceToSign & { signature: string | null | undefined }): boolean {
	if (!device.signature) return false;
	try {
		const sodium = na();
		const publicKey = keyFromB64(identityKey, sodium.crypto_sign_PUBLICKEYBYTES, 'identity key');
		const signature = keyFromB64(device.signature, sodium.crypto_sign_BYTES, 'device signature');
		return sodium.crypto_sign_verify_detached(signature, deviceSignedBytes(device), publicKey);
	} catch {
		return false;
	}
}
