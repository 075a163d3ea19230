import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, isNotNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatDevices, chatIdentities, chatToDevice, conversationMembers, conversations, type ChatDevice } from '../../../../db/schema/index';
import type { DeviceKeys, DeviceRegistration } from '../../chat/protocol';
import { ready } from '../../chat/crypto/sodium';
import { verifyDeviceSignature } from '../../chat/crypto/identity';
import type { Actor } from '../access/actor';
import { recordAuditEvent } from '../audit/audit-log';
import { ChatRefusal } from './errors';

/**
 * A person's browser devices: each holds its own keys, and others trust it only once the
 * person's identity key signed it. The server checks every signature it stores, so a device
 * list fetched from here never holds a forged device; browsers check again anyway.
 */

/** Libsodium's URL-safe unpadded base64 of exactly `bytes` bytes. */
export const base64Key = (bytes: number) =>
	z
		.string()
		.length(Math.ceil((bytes * 4) / 3), 'That key has the wrong length.')
		.regex(/^[A-Za-z0-9_-]+$/, 'Keys are URL-safe base64 without padding.');

export const deviceRegistrationSchema = z
	.object({
		deviceId: z.string().uuid('That is not a device id from keys:device-id.'),
		signingKey: base64Key(32),
		boxKey: base64Key(32),
		signature: base64Key(64).optional(),
		label: z.string().trim().max(80, 'Use at most 80 characters for the device name.').default('')
	})
	.strict();

/** A person with more than this many live devices must revoke one first (keeps key shares bounded). */
export const maxDevicesPerUser = 20;

export function toDeviceKeys(row: ChatDevice): DeviceKeys {
	return { deviceId: row.id, userId: row.userId, signingKey: row.signingKey, boxKey: row.boxKey, signature: row.signature, label: row.label };
}

/** A fresh id the new device signs over; registration refuses an id already taken. */
export function freshDeviceId(): string {
	return randomUUID();
}

/** What H2's send path needs to check a message signature: one primary-key read, never cached, so a revocation takes effect at once. */
export async function deviceForVerification(
	db: Database,
	deviceId: string
): Promise<{ userId: string; signingKey: string; revoked: boolean; signed: boolean } | null> {
	if (!z.string().uuid().safeParse(deviceId).success) return null;
	const [row] = await db
		.select({ userId: chatDevices.userId, signingKey: chatDevices.signingKey, revokedAt: chatDevices.revokedAt, signature: chatDevices.signature })
		.from(chatDevices)
		.where(eq(chatDevices.id, deviceId));
	if (!row) return null;
	return { userId: row.userId, signingKey: row.signingKey, revoked: row.revokedAt !== null, signed: row.signature !== null };
}

export async function identityKeyOf(db: Pick<Database, 'select'>, userId: string): Promise<string | null> {
	const [row] = await db.select({ identityKey: chatIdentities.identityKey }).from(chatIdentities).where(eq(chatIdentities.userId, userId));
	return row?.identityKey ?? null;
}

/** The person's devices that are not revoked, signed or waiting for approval, oldest first. */
export async function listDevices(db: Database, userId: string): Promise<DeviceKeys[]> {
	const rows = await db
		.select()
		.from(chatDevices)
		.where(and(eq(chatDevices.userId, userId), isNull(chatDevices.revokedAt)))
		.orderBy(chatDevices.createdAt);
	return rows.map(toDeviceKeys);
}

/** Signed, unrevoked devices of these people: the only ones anybody shares a room key with. */
export async function signedDevicesOf(db: Pick<Database, 'select'>, userIds: string[]): Promise<DeviceKeys[]> {
	if (userIds.length === 0) return [];
	const rows = await db
		.select()
		.from(chatDevices)
		.where(and(inArray(chatDevices.userId, userIds), isNull(chatDevices.revokedAt), isNotNull(chatDevices.signature)))
		.orderBy(chatDevices.createdAt);
	return rows.map(toDeviceKeys);
}

/**
 * The device a socket acts for must be the actor's own and not revoked (checked on each use,
 * so a device revoked from another tab stops at once). `signed` additionally requires approval.
 */
export async function requireOwnDevice(db: Pick<Database, 'select'>, actor: Actor, deviceId: string | null, options: { signed: boolean }): Promise<ChatDevice> {
	if (!deviceId) throw new ChatRefusal('no_keys', 'This browser has not claimed a device yet: set up secure messaging first.');
	const [device] = await db.select().from(chatDevices).where(eq(chatDevices.id, deviceId));
	if (!device || device.userId !== actor.userId) throw new ChatRefusal('forbidden', 'That device is not one of yours.');
	if (device.revokedAt) throw new ChatRefusal('forbidden', 'This device was removed from your account. Set up secure messaging again on it.');
	if (options.signed && !device.signature) throw new ChatRefusal('no_keys', 'This device is waiting for approval from another of your devices.');
	return device;
}

export function parseRegistration(input: unknown): DeviceRegistration {
	const parsed = deviceRegistrationSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The device could not be read.');
	return parsed.data;
}

/**
 * Inserts a device, inside the caller's transaction. A signature must verify against the
 * identity key (or the device is refused with 'bad_signature'); without one the device waits
 * for approval and no one shares keys with it.
 */
export async function insertDevice(tx: Database, userId: string, identityKey: string, registration: DeviceRegistration): Promise<ChatDevice> {
	await ready();
	if (registration.signature !== undefined) {
		const valid = verifyDeviceSignature(identityKey, { userId, ...registration, signature: registration.signature });
		if (!valid) throw new ChatRefusal('bad_signature', 'The device’s signature does not match your identity key. Nothing was registered.');
	}
	const [taken] = await tx
		.select({ id: chatDevices.id })
		.from(chatDevices)
		.where(sql`${chatDevices.id} = ${registration.deviceId} or ${chatDevices.signingKey} = ${registration.signingKey}`);
	if (taken) throw new ChatRefusal('invalid', 'That device id or key is already registered. Ask for a fresh device id.');
	const [{ live }] = (await tx
		.select({ live: sql<number>`count(*)::int` })
		.from(chatDevices)
		.where(and(eq(chatDevices.userId, userId), isNull(chatDevices.revokedAt)))) as [{ live: number }];
	if (live >= maxDevicesPerUser) throw new ChatRefusal('invalid', `You have ${live} devices. Remove one you no longer use first.`);
	const [row] = await tx
		.insert(chatDevices)
		.values({
			id: registration.deviceId,
			userId,
			signingKey: registration.signingKey,
			boxKey: registration.boxKey,
			signature: registration.signature ?? null,
			label: registration.label
		})
		.returning();
	return row!;
}

/** A device signed by the identity key (after a restore from the backup) or unsigned (asking for approval). */
export async function registerDevice(db: Database, actor: Actor, input: unknown): Promise<DeviceKeys> {
	const registration = parseRegistration(input);
	const device = await db.transaction(async (tx) => {
		const identityKey = await identityKeyOf(tx, actor.userId);
		if (!identityKey) throw new ChatRefusal('no_keys', 'Set up secure messaging first: there is no identity key to sign this device.');
		return insertDevice(tx as unknown as Database, actor.userId, identityKey, registration);
	});
	await recordAuditEvent(db, actor, {
		action: 'chat.device_register',
		outcome: 'success',
		resourceType: 'chat_device',
		resourceId: device.id,
		reason: device.signature ? 'signed' : 'awaiting approval'
	});
	return toDeviceKeys(device);
}

const approvalSchema = z
	.object({
		deviceId: z.string().uuid('Name the device to approve.'),
		signature: base64Key(64),
		// base64 of nonce ‖ box of three keys: a few hundred characters; the cap keeps junk out.
		secretShare: z.string().min(1).max(4096, 'The secret share is too large.').regex(/^[A-Za-z0-9_-]+$/, 'The secret share must be base64.')
	})
	.strict();

/**
 * One of my signed devices approves a new one: the identity signature is checked and stored,
 * and my secrets (boxed to the new device) are queued for it, in one transaction.
 * Returns the to-device message to deliver live.
 */
export async function approveDevice(db: Database, actor: Actor, approverDeviceId: string | null, input: unknown) {
	const parsed = approvalSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The approval could not be read.');
	const { deviceId, signature, secretShare } = parsed.data;
	await ready();
	const result = await db.transaction(async (tx) => {
		const approver = await requireOwnDevice(tx, actor, approverDeviceId, { signed: true });
		const [device] = await tx.select().from(chatDevices).where(eq(chatDevices.id, deviceId)).for('update');
		if (!device || device.userId !== actor.userId) throw new ChatRefusal('not_found', 'There is no device of yours waiting with that id.');
		if (device.revokedAt) throw new ChatRefusal('invalid', 'That device was removed; it cannot be approved.');
		if (device.signature) throw new ChatRefusal('invalid', 'That device is already approved.');
		const identityKey = await identityKeyOf(tx, actor.userId);
		if (!identityKey) throw new ChatRefusal('no_keys', 'Set up secure messaging first.');
		if (!verifyDeviceSignature(identityKey, { userId: actor.userId, deviceId, signingKey: device.signingKey, boxKey: device.boxKey, signature })) {
			throw new ChatRefusal('bad_signature', 'The approval’s signature does not match your identity key. The device stays unapproved.');
		}
		await tx.update(chatDevices).set({ signature, updatedAt: new Date() }).where(eq(chatDevices.id, deviceId));
		const [message] = await tx
			.insert(chatToDevice)
			.values({ recipientDeviceId: deviceId, senderDeviceId: approver.id, kind: 'secret_share', payload: secretShare })
			.returning();
		return message!;
	});
	await recordAuditEvent(db, actor, { action: 'chat.device_approve', outcome: 'success', resourceType: 'chat_device', resourceId: deviceId });
	return result;
}

/** Ids of conversations the person is a member of. */
export async function conversationIdsOf(db: Pick<Database, 'select'>, userId: string): Promise<string[]> {
	const rows = await db.select({ id: conversationMembers.conversationId }).from(conversationMembers).where(eq(conversationMembers.userId, userId));
	return rows.map((r) => r.id);
}

/** Everyone sharing a conversation with this person (and the person): who must refetch their keys. */
export async function peersOf(db: Database, userId: string): Promise<string[]> {
	const mine = db.select({ id: conversationMembers.conversationId }).from(conversationMembers).where(eq(conversationMembers.userId, userId));
	const rows = await db
		.selectDistinct({ userId: conversationMembers.userId })
		.from(conversationMembers)
		.where(and(inArray(conversationMembers.conversationId, mine), ne(conversationMembers.userId, userId)));
	return [userId, ...rows.map((r) => r.userId)];
}

/**
 * Bumps the key epoch of every conversation the person is in (inside the caller's
 * transaction): every sender's session becomes stale and its next key goes only to the
 * devices that remain.
 */
export async function bumpEpochsOf(tx: Pick<Database, 'update' | 'select'>, userId: string): Promise<string[]> {
	const ids = await conversationIdsOf(tx, userId);
	if (ids.length > 0) {
		await tx
			.update(conversations)
			.set({ keyEpoch: sql`${conversations.keyEpoch} + 1`, updatedAt: new Date() })
			.where(inArray(conversations.id, ids));
	}
	return ids;
}

const revokeSchema = z.object({ deviceId: z.string().uuid('Name the device to remove.') }).strict();

/** Revokes one of my devices and rotates every conversation I am in, in one transaction. */
export async function revokeDevice(db: Database, actor: Actor, input: unknown): Promise<{ deviceId: string; conversationIds: string[] }> {
	const parsed = revokeSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'Name the device to remove.');
	const { deviceId } = parsed.data;
	const conversationIds = await db.transaction(async (tx) => {
		const [device] = await tx.select().from(chatDevices).where(eq(chatDevices.id, deviceId)).for('update');
		if (!device || device.userId !== actor.userId) throw new ChatRefusal('not_found', 'There is no device of yours with that id.');
		if (device.revokedAt) throw new ChatRefusal('invalid', 'That device was already removed.');
		const now = new Date();
		await tx.update(chatDevices).set({ revokedAt: now, updatedAt: now }).where(eq(chatDevices.id, deviceId));
		// Its undelivered room keys and secrets must never reach it.
		await tx.delete(chatToDevice).where(eq(chatToDevice.recipientDeviceId, deviceId));
		return bumpEpochsOf(tx, actor.userId);
	});
	await recordAuditEvent(db, actor, {
		action: 'chat.device_revoke',
		outcome: 'success',
		resourceType: 'chat_device',
		resourceId: deviceId,
		reason: `conversations=${conversationIds.length}`
	});
	return { deviceId, conversationIds };
}
