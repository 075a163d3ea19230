/**
 * Fixtures for the key and attachment tests: people with real identity and device keys (the
 * browser's crypto, app/lib/chat/crypto), conversations inserted directly so these tests do not
 * depend on the conversation rules. Test-only; nothing in the app imports it.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../../db/client';
import { conversationMembers, conversations, type ConversationKind, type MemberAccess } from '../../../../db/schema/index';
import type { DeviceRegistration, KeyBackup } from '../../chat/protocol';
import { createDeviceKeys, createIdentity, b64, ready, signDevice, type DeviceKeyPairs, type KeyPair } from '../../chat/crypto/index';
import type { Actor } from '../access/actor';
import { setUpKeys } from './key-backup';

export interface TestDevice {
	deviceId: string;
	keys: DeviceKeyPairs;
	registration: DeviceRegistration;
}

export interface KeyedPerson {
	actor: Actor;
	identity: KeyPair;
	device: TestDevice;
}

/** A device's keys and registration (with the id keys:device-id handed out, if any); signed by `identitySecretKey` when given. */
export function makeDevice(userId: string, identitySecretKey?: string, label = 'Test browser', deviceId: string = randomUUID()): TestDevice {
	const keys = createDeviceKeys();
	const fields = { userId, deviceId, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey };
	const registration: DeviceRegistration = {
		deviceId,
		signingKey: keys.signing.publicKey,
		boxKey: keys.box.publicKey,
		label,
		...(identitySecretKey ? { signature: signDevice(identitySecretKey, fields) } : {})
	};
	return { deviceId, keys, registration };
}

/** A backup of the right shape; the tests that open one use crypto's createBackup instead (Argon2id is slow). */
export async function placeholderBackup(): Promise<KeyBackup> {
	const sodium = await ready();
	return {
		backupPublicKey: b64(sodium.crypto_box_keypair().publicKey),
		salt: b64(sodium.randombytes_buf(16)),
		opsLimit: 2,
		memLimit: 64 * 1024 * 1024,
		sealedSecrets: b64(sodium.randombytes_buf(120))
	};
}

/** Sets up secure messaging for a person: identity, first signed device, backup. */
export async function keyedPerson(db: Database, actor: Actor): Promise<KeyedPerson> {
	await ready();
	const identity = createIdentity();
	const device = makeDevice(actor.userId, identity.secretKey);
	await setUpKeys(db, actor, { identityKey: identity.publicKey, device: device.registration, backup: await placeholderBackup() });
	return { actor, identity, device };
}

export async function insertConversation(
	db: Database,
	kind: ConversationKind,
	members: { userId: string; access?: MemberAccess; joinedSeq?: number }[],
	patientId: string | null = null
): Promise<string> {
	const [row] = await db.insert(conversations).values({ kind, patientId, title: kind === 'group' ? 'Test group' : null }).returning();
	await db.insert(conversationMembers).values(
		members.map((m) => ({ conversationId: row!.id, userId: m.userId, access: m.access ?? 'post', joinedSeq: m.joinedSeq ?? 0 }))
	);
	return row!.id;
}
