/**
 * The key backup and device-to-device secret transfer. The backup holds the identity key and
 * the backup secret key in a secretbox whose key is Argon2id(passphrase); room keys are sealed
 * to the backup public key as they arrive, so a restored device reads old messages without any
 * other device online. The server stores all of it and can open none of it.
 */
import type { KeyBackup } from '../protocol';
import { ChatCryptoError, DecryptionFailed, WrongPassphrase } from './errors';
import { parseRoomKey, type RoomKey } from './room-key';
import { b64, concatBytes, fromB64, fromUtf8, keyFromB64, na, utf8, randomBytes } from './sodium';

/** What a device needs to act for its user: the identity key pair and the backup secret key. */
export interface AccountSecrets {
	identitySecretKey: string;
	identityPublicKey: string;
	backupSecretKey: string;
}

function parseSecrets(plain: Uint8Array): AccountSecrets {
	const value = JSON.parse(fromUtf8(plain)) as Record<string, unknown>;
	if (!['identitySecretKey', 'identityPublicKey', 'backupSecretKey'].every((k) => typeof value?.[k] === 'string')) {
		throw new Error('malformed secrets');
	}
	return {
		identitySecretKey: value.identitySecretKey as string,
		identityPublicKey: value.identityPublicKey as string,
		backupSecretKey: value.backupSecretKey as string
	};
}

function secretsJson(secrets: AccountSecrets): string {
	return JSON.stringify({
		identitySecretKey: secrets.identitySecretKey,
		identityPublicKey: secrets.identityPublicKey,
		backupSecretKey: secrets.backupSecretKey
	});
}

function passphraseKey(passphrase: string, salt: Uint8Array, opsLimit: number, memLimit: number): Uint8Array {
	const sodium = na();
	return sodium.crypto_pwhash(sodium.crypto_secretbox_KEYBYTES, utf8(passphrase), salt, opsLimit, memLimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
}

/** Argon2id at libsodium's interactive limits (about 0.5–1 s and 64 MiB in a browser). */
export function createBackup(
	passphrase: string,
	secrets: { identitySecretKey: string; identityPublicKey: string }
): { backup: KeyBackup; backupSecretKey: string } {
	const sodium = na();
	if (typeof passphrase !== 'string' || passphrase.length === 0) throw new ChatCryptoError('Choose a recovery passphrase.');
	const backupPair = sodium.crypto_box_keypair();
	const backupSecretKey = b64(backupPair.privateKey);
	const salt = randomBytes(sodium.crypto_pwhash_SALTBYTES);
	const opsLimit = sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE;
	const memLimit = sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE;
	const key = passphraseKey(passphrase, salt, opsLimit, memLimit);
	const nonce = randomBytes(sodium.crypto_secretbox_NONCEBYTES);
	const sealed = sodium.crypto_secretbox_easy(utf8(secretsJson({ ...secrets, backupSecretKey })), nonce, key);
	sodium.memzero(key);
	return {
		backup: {
			backupPublicKey: b64(backupPair.publicKey),
			salt: b64(salt),
			opsLimit,
			memLimit,
			sealedSecrets: b64(concatBytes(nonce, sealed))
		},
		backupSecretKey
	};
}

/**
 * Opens the backup with the passphrase; throws WrongPassphrase when the secretbox does not open.
 * The Argon2 limits come from the server, so they are bounded: a hostile server must not make a
 * browser spend gigabytes or minutes (the backup was made at the interactive limits).
 */
export function openBackup(passphrase: string, backup: KeyBackup): AccountSecrets {
	const sodium = na();
	if (
		!Number.isSafeInteger(backup.opsLimit) ||
		!Number.isSafeInteger(backup.memLimit) ||
		backup.opsLimit < sodium.crypto_pwhash_OPSLIMIT_MIN ||
		backup.opsLimit > sodium.crypto_pwhash_OPSLIMIT_MODERATE ||
		backup.memLimit < sodium.crypto_pwhash_MEMLIMIT_MIN ||
		backup.memLimit > sodium.crypto_pwhash_MEMLIMIT_MODERATE
	) {
		throw new ChatCryptoError('The key backup has unexpected settings and was not opened.');
	}
	const salt = keyFromB64(backup.salt, sodium.crypto_pwhash_SALTBYTES, 'backup salt');
	const bytes = fromB64(backup.sealedSecrets);
	const nonceBytes = sodium.crypto_secretbox_NONCEBYTES;
	if (bytes.length < nonceBytes + sodium.crypto_secretbox_MACBYTES) throw new ChatCryptoError('The key backup is damaged.');
	const key = passphraseKey(passphrase, salt, backup.opsLimit, backup.memLimit);
	let plain: Uint8Array;
	try {
		plain = sodium.crypto_secretbox_open_easy(bytes.subarray(nonceBytes), bytes.subarray(0, nonceBytes), key);
	} catch {
		throw new WrongPassphrase();
	} finally {
		sodium.memzero(key);
	}
	try {
		return parseSecrets(plain);
	} catch {
		throw new ChatCryptoError('The key backup is damaged.');
	}
}

/** Seals a room key (object or its JSON) to the backup public key: anyone may seal, only the backup secret opens. */
export function sealToBackup(roomKeyJson: string | RoomKey, backupPublicKey: string): string {
	const sodium = na();
	const json = typeof roomKeyJson === 'string' ? roomKeyJson : JSON.stringify(roomKeyJson);
	return b64(sodium.crypto_box_seal(utf8(json), keyFromB64(backupPublicKey, sodium.crypto_box_PUBLICKEYBYTES, 'backup public key')));
}

/** Throws DecryptionFailed when the sealed box does not open or does not hold a room key. */
export function openFromBackup(sealed: string, backupPublicKey: string, backupSecretKey: string): RoomKey {
	const sodium = na();
	let plain: Uint8Array;
	try {
		plain = sodium.crypto_box_seal_open(
			fromB64(sealed),
			keyFromB64(backupPublicKey, sodium.crypto_box_PUBLICKEYBYTES, 'backup public key'),
			keyFromB64(backupSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'backup secret key')
		);
	} catch {
		throw new DecryptionFailed('A conversation key in the backup could not be opened.');
	}
	try {
		return parseRoomKey(JSON.parse(fromUtf8(plain)));
	} catch {
		throw new DecryptionFailed('A conversation key in the backup is damaged.');
	}
}

/** Device approval: the approving device boxes the account secrets to the new device's box key. */
export function sealSecretsForDevice(
	secrets: AccountSecrets,
	sender: { boxSecretKey: string },
	recipient: { boxKey: string }
): string {
	const sodium = na();
	const nonce = randomBytes(sodium.crypto_box_NONCEBYTES);
	const boxed = sodium.crypto_box_easy(
		utf8(secretsJson(secrets)),
		nonce,
		keyFromB64(recipient.boxKey, sodium.crypto_box_PUBLICKEYBYTES, 'new device key'),
		keyFromB64(sender.boxSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'device box key')
	);
	return b64(concatBytes(nonce, boxed));
}

/** The new device opens the secrets; `sender` is the approving device (a signed device of the same user). */
export function openSecretsFromDevice(
	payload: string,
	recipient: { boxSecretKey: string },
	sender: { boxKey: string }
): AccountSecrets {
	const sodium = na();
	let plain: Uint8Array;
	try {
		const bytes = fromB64(payload);
		if (bytes.length < sodium.crypto_box_NONCEBYTES + sodium.crypto_box_MACBYTES) throw new DecryptionFailed();
		plain = sodium.crypto_box_open_easy(
			bytes.subarray(sodium.crypto_box_NONCEBYTES),
			bytes.subarray(0, sodium.crypto_box_NONCEBYTES),
			keyFromB64(sender.boxKey, sodium.crypto_box_PUBLICKEYBYTES, 'approving device key'),
			keyFromB64(recipient.boxSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'device box key')
		);
	} catch {
		throw new DecryptionFailed('The keys sent by your other device could not be opened on this device.');
	}
	try {
		return parseSecrets(plain);
	} catch {
		throw new DecryptionFailed('The keys sent by your other device are damaged.');
	}
}

/** The backup public key that belongs to a backup secret key (a restored device re-derives it). */
export function backupPublicKeyOf(backupSecretKey: string): string {
	const sodium = na();
	return b64(sodium.crypto_scalarmult_base(keyFromB64(backupSecretKey, sodium.crypto_box_SECRETKEYBYTES, 'backup secret key')));
}
