import { beforeAll, describe, expect, it } from 'vitest';
import { backupPublicKeyOf, createBackup, openBackup, openFromBackup, openSecretsFromDevice, sealSecretsForDevice, sealToBackup } from './backup';
import { createDeviceKeys } from './device-keys';
import { ChatCryptoError, DecryptionFailed, WrongPassphrase } from './errors';
import { decryptEnvelope, OutboundSession } from './group-session';
import { createIdentity } from './identity';
import { b64, fromB64, ready } from './sodium';

beforeAll(async () => {
	await ready();
});

describe('key backup', () => {
	it('restoring with the passphrase returns the identity and the backup key, and old room keys open', () => {
		const identity = createIdentity();
		const { backup, backupSecretKey } = createBackup('correct horse battery staple', {
			identitySecretKey: identity.secretKey,
			identityPublicKey: identity.publicKey
		});
		expect(JSON.stringify(backup)).not.toContain(identity.secretKey);
		const device = createDeviceKeys();
		const session = OutboundSession.create('conversation-1', 'device-1');
		const old = session.encrypt({ body: 'before the new laptop', composedAt: 1 }, device.signing.secretKey);
		const sealed = sealToBackup(JSON.stringify(session.roomKey('user-1', 0)), backup.backupPublicKey);

		const restored = openBackup('correct horse battery staple', JSON.parse(JSON.stringify(backup)));
		expect(restored).toEqual({ identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, backupSecretKey });
		expect(backupPublicKeyOf(restored.backupSecretKey)).toBe(backup.backupPublicKey);
		const roomKey = openFromBackup(sealed, backup.backupPublicKey, restored.backupSecretKey);
		expect(decryptEnvelope(old, roomKey.sessionKey).body).toBe('before the new laptop');
	});

	it('a wrong passphrase throws WrongPassphrase with a plain sentence', () => {
		const identity = createIdentity();
		const { backup } = createBackup('the right one', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		expect(() => openBackup('the wrong one', backup)).toThrow(WrongPassphrase);
		expect(() => openBackup('the wrong one', backup)).toThrow('That passphrase does not unlock your key backup.');
	});

	it('a backup whose Argon2 limits were inflated by the server is not run', () => {
		const identity = createIdentity();
		const { backup } = createBackup('p', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		expect(() => openBackup('p', { ...backup, memLimit: 8 * 1024 ** 3 })).toThrow(ChatCryptoError);
		expect(() => openBackup('p', { ...backup, memLimit: 8 * 1024 ** 3 })).not.toThrow(WrongPassphrase);
	});

	it('an empty passphrase or a damaged backup is refused in words, not as a wrong passphrase', () => {
		const identity = createIdentity();
		expect(() => createBackup('', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey })).toThrow('Choose a recovery passphrase.');
		const { backup } = createBackup('p', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		for (const damaged of [{ ...backup, salt: 'AAAA' }, { ...backup, sealedSecrets: 'AAAA' }, { ...backup, sealedSecrets: 'not base64!' }]) {
			expect(() => openBackup('p', damaged)).toThrow(ChatCryptoError);
			expect(() => openBackup('p', damaged)).not.toThrow(WrongPassphrase);
		}
	});

	it('a tampered sealed backup fails as a wrong passphrase would (the secretbox does not open)', () => {
		const identity = createIdentity();
		const { backup } = createBackup('p', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		const bytes = fromB64(backup.sealedSecrets);
		bytes[bytes.length - 1]! ^= 1;
		expect(() => openBackup('p', { ...backup, sealedSecrets: b64(bytes) })).toThrow(WrongPassphrase);
	});

	it('a room key sealed to one backup does not open with another backup key', () => {
		const identity = createIdentity();
		const mine = createBackup('a', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		const theirs = createBackup('b', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		const session = OutboundSession.create('c', 'd');
		const sealed = sealToBackup(session.roomKey('u'), mine.backup.backupPublicKey);
		expect(() => openFromBackup(sealed, theirs.backup.backupPublicKey, theirs.backupSecretKey)).toThrow(DecryptionFailed);
		expect(openFromBackup(sealed, mine.backup.backupPublicKey, mine.backupSecretKey).sessionKey).toBe(session.sessionKey);
	});
});

describe('secrets sent to a newly approved device', () => {
	it('round trip from the old device to the new one; a third device cannot open them', () => {
		const identity = createIdentity();
		const oldDevice = createDeviceKeys();
		const newDevice = createDeviceKeys();
		const secrets = { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, backupSecretKey: 'bk' };
		const payload = sealSecretsForDevice(secrets, { boxSecretKey: oldDevice.box.secretKey }, { boxKey: newDevice.box.publicKey });
		expect(openSecretsFromDevice(payload, { boxSecretKey: newDevice.box.secretKey }, { boxKey: oldDevice.box.publicKey })).toEqual(secrets);
		const third = createDeviceKeys();
		expect(() => openSecretsFromDevice(payload, { boxSecretKey: third.box.secretKey }, { boxKey: oldDevice.box.publicKey })).toThrow(
			DecryptionFailed
		);
		// Boxed by someone other than the named approving device: the authenticated box fails.
		expect(() => openSecretsFromDevice(payload, { boxSecretKey: newDevice.box.secretKey }, { boxKey: third.box.publicKey })).toThrow(
			DecryptionFailed
		);
	});
});
