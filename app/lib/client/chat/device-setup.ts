/**
 * How this browser becomes one of the person's chat devices: the first device sets up the
 * identity and the passphrase-protected key backup; a later one restores from the backup with
 * the passphrase, or asks a signed device to approve it (which boxes the secrets to it).
 *
 * Every secret is written to the encrypted key store before the server learns of the device,
 * so a crash in between leaves at worst an unused registration, never a registered device whose
 * keys are lost.
 */
import {
	ChatCryptoError,
	WrongPassphrase,
	backupPublicKeyOf,
	createBackup,
	createDeviceKeys,
	createIdentity,
	openBackup,
	openSecretsFromDevice,
	sealSecretsForDevice,
	signDevice,
	utf8,
	verifyDeviceSignature
} from '$lib/chat/crypto';
import { na } from '$lib/chat/crypto/sodium';
import type { DeviceKeys, ToDeviceMessage } from '$lib/chat/protocol';
import type { ChatTransport } from './chat-socket';
import type { ChatKeyStore, DeviceRecord } from './key-store';

/** The UI asks for as much (components/chat/chat-format.ts); this is the floor the client enforces. */
export const minPassphraseLength = 12;

export interface DeviceSetupContext {
	transport: ChatTransport;
	store: ChatKeyStore;
	userId: string;
}

export interface ReadyDevice {
	device: DeviceRecord;
	identityPublicKey: string;
	backupPublicKey: string;
	backupSecretKey: string;
}

/** A short name for the device list ("Chrome on Windows"); nothing that identifies the person. */
export function deviceLabel(userAgent = typeof navigator === 'undefined' ? '' : navigator.userAgent): string {
	const browser = /Edg\//.test(userAgent)
		? 'Edge'
		: /Firefox\//.test(userAgent)
			? 'Firefox'
			: /Chrome\/|Chromium\//.test(userAgent)
				? 'Chrome'
				: /Safari\//.test(userAgent)
					? 'Safari'
					: 'Browser';
	const system = /Windows/.test(userAgent)
		? 'Windows'
		: /iPhone|iPad/.test(userAgent)
			? 'iOS'
			: /Mac OS X/.test(userAgent)
				? 'macOS'
				: /Android/.test(userAgent)
					? 'Android'
					: /Linux/.test(userAgent)
						? 'Linux'
						: 'another system';
	return `${browser} on ${system}`;
}

export function checkPassphrase(passphrase: string): void {
	if (typeof passphrase !== 'string' || [...passphrase.trim()].length < minPassphraseLength) {
		throw new Error(`Choose a recovery passphrase of at least ${minPassphraseLength} characters.`);
	}
}

async function newDevice(context: DeviceSetupContext, identitySecretKey: string | null): Promise<DeviceRecord> {
	const { deviceId } = await context.transport.request('keys:device-id', {});
	const keys = createDeviceKeys();
	const device: DeviceRecord = {
		deviceId,
		userId: context.userId,
		signing: keys.signing,
		box: keys.box,
		signed: identitySecretKey !== null,
		label: deviceLabel()
	};
	return device;
}

function registration(device: DeviceRecord, identitySecretKey: string | null) {
	const fields = { userId: device.userId, deviceId: device.deviceId, signingKey: device.signing.publicKey, boxKey: device.box.publicKey };
	return {
		deviceId: device.deviceId,
		signingKey: device.signing.publicKey,
		boxKey: device.box.publicKey,
		label: device.label,
		...(identitySecretKey ? { signature: signDevice(identitySecretKey, fields) } : {})
	};
}

/** First device of the person (or a reset, which replaces the identity: others then see a changed key). */
export async function setUpDevice(context: DeviceSetupContext, passphrase: string, options: { reset?: boolean } = {}): Promise<ReadyDevice> {
	checkPassphrase(passphrase);
	const identity = createIdentity();
	const { backup, backupSecretKey } = createBackup(passphrase, { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
	const device = await newDevice(context, identity.secretKey);
	await context.store.setIdentity(identity);
	await context.store.setBackupKey({ publicKey: backup.backupPublicKey, secretKey: backupSecretKey });
	await context.store.setDevice(device);
	await context.transport.request('keys:setup', {
		identityKey: identity.publicKey,
		device: registration(device, identity.secretKey),
		backup,
		...(options.reset ? { reset: true } : {})
	});
	await context.store.setTrust({ userId: context.userId, identityKey: identity.publicKey, verified: true, changedTo: null });
	return { device, identityPublicKey: identity.publicKey, backupPublicKey: backup.backupPublicKey, backupSecretKey };
}

/**
 * A new device from the key backup. Throws an Error with the sentence for the person: a wrong
 * passphrase says so, and nothing is registered.
 */
export async function restoreDevice(context: DeviceSetupContext, passphrase: string): Promise<ReadyDevice> {
	const [{ backup }, status] = await Promise.all([context.transport.request('keys:backup', {}), context.transport.request('keys:status', {})]);
	let secrets;
	try {
		secrets = openBackup(passphrase, backup);
	} catch (error) {
		if (error instanceof WrongPassphrase) throw new Error(error.message);
		if (error instanceof ChatCryptoError) throw new Error(error.message);
		throw error;
	}
	// An older backup the server kept would restore an identity that no longer signs anything.
	if (status.identityKey !== secrets.identityPublicKey) {
		throw new Error('This key backup belongs to an older identity of yours. Restore from the newest backup or set up again.');
	}
	if (backupPublicKeyOf(secrets.backupSecretKey) !== backup.backupPublicKey) throw new Error('The key backup is damaged.');
	const device = await newDevice(context, secrets.identitySecretKey);
	await context.store.setIdentity({ publicKey: secrets.identityPublicKey, secretKey: secrets.identitySecretKey });
	await context.store.setBackupKey({ publicKey: backup.backupPublicKey, secretKey: secrets.backupSecretKey });
	await context.store.setDevice(device);
	await context.transport.request('keys:register-device', { device: registration(device, secrets.identitySecretKey) });
	await context.store.setTrust({ userId: context.userId, identityKey: secrets.identityPublicKey, verified: true, changedTo: null });
	return { device, identityPublicKey: secrets.identityPublicKey, backupPublicKey: backup.backupPublicKey, backupSecretKey: secrets.backupSecretKey };
}

/** Registers this browser unsigned: a signed device of mine approves it (secret_share to-device). */
export async function requestDeviceApproval(context: DeviceSetupContext): Promise<DeviceRecord> {
	const device = await newDevice(context, null);
	await context.store.setDevice(device);
	await context.transport.request('keys:register-device', { device: registration(device, null) });
	return device;
}

/** From a signed device: signs the waiting device and boxes my secrets to it. */
export async function approveWaitingDevice(context: DeviceSetupContext, waiting: DeviceKeys): Promise<void> {
	if (waiting.userId !== context.userId) throw new Error('Only your own devices can be approved here.');
	const [identity, backup, device] = await Promise.all([context.store.identity(), context.store.backupKey(), context.store.device()]);
	if (!identity || !backup || !device?.signed) throw new Error('This device cannot approve others: it is not set up for secure messaging.');
	const signature = signDevice(identity.secretKey, {
		userId: context.userId,
		deviceId: waiting.deviceId,
		signingKey: waiting.signingKey,
		boxKey: waiting.boxKey
	});
	const secretShare = sealSecretsForDevice(
		{ identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, backupSecretKey: backup.secretKey },
		{ boxSecretKey: device.box.secretKey },
		{ boxKey: waiting.boxKey }
	);
	await context.transport.request('keys:approve-device', { deviceId: waiting.deviceId, signature, secretShare });
}

/**
 * The secrets from the device that approved this one. Accepted only from a device of mine whose
 * signature by my identity key verifies, carrying that same identity, and only once the server
 * shows this device signed by it. Returns null when the payload is not acceptable.
 */
export async function receiveSecretShare(context: DeviceSetupContext, message: ToDeviceMessage): Promise<ReadyDevice | null> {
	if (message.kind !== 'secret_share' || message.senderUserId !== context.userId) return null;
	const device = await context.store.device();
	if (!device || device.signed) return null;
	const status = await context.transport.request('keys:status', {});
	if (!status.identityKey) return null;
	const identityKey = status.identityKey;
	const verified = (candidate: DeviceKeys) => verifyDeviceSignature(identityKey, { ...candidate, userId: context.userId });
	const sender = status.devices.find((candidate) => candidate.deviceId === message.senderDeviceId);
	if (!sender || !verified(sender)) return null;
	let secrets;
	try {
		secrets = openSecretsFromDevice(message.payload, { boxSecretKey: device.box.secretKey }, { boxKey: sender.boxKey });
	} catch (error) {
		if (error instanceof ChatCryptoError) return null;
		throw error;
	}
	if (secrets.identityPublicKey !== identityKey) return null;
	const me = status.devices.find((candidate) => candidate.deviceId === device.deviceId);
	if (!me || !verified(me) || me.signingKey !== device.signing.publicKey || me.boxKey !== device.box.publicKey) return null;
	const backupPublicKey = backupPublicKeyOf(secrets.backupSecretKey);
	const ready: DeviceRecord = { ...device, signed: true };
	await context.store.setIdentity({ publicKey: secrets.identityPublicKey, secretKey: secrets.identitySecretKey });
	await context.store.setBackupKey({ publicKey: backupPublicKey, secretKey: secrets.backupSecretKey });
	await context.store.setDevice(ready);
	await context.store.setTrust({ userId: context.userId, identityKey, verified: true, changedTo: null });
	return { device: ready, identityPublicKey: identityKey, backupPublicKey, backupSecretKey: secrets.backupSecretKey };
}

/**
 * A code both screens show during approval, so the person can see the device being approved is
 * the one in their hand (6 groups of 5 digits over the device's two public keys).
 */
export function deviceSafetyCode(device: Pick<DeviceKeys, 'deviceId' | 'signingKey' | 'boxKey'>): string[] {
	const digest = na().crypto_generichash(32, utf8(`clinicsync-device-code-v1\n${device.deviceId}\n${device.signingKey}\n${device.boxKey}`), null);
	const groups: string[] = [];
	for (let chunk = 0; chunk < 6; chunk++) {
		let value = 0;
		for (let i = 0; i < 5; i++) value = value * 256 + (digest[chunk * 5 + i] ?? 0);
		groups.push(String(value % 100000).padStart(5, '0'));
	}
	return groups;
}
