import { and, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatBackupRoomKeys, chatDevices, chatIdentities, chatKeyBackups, chatToDevice, conversationMembers } from '../../../../db/schema/index';
import type { DeviceKeys, KeyBackup } from '../../chat/protocol';
import { b64, fromB64, ready } from '../../chat/crypto/sodium';
import type { Actor } from '../access/actor';
import { recordAuditEvent } from '../audit/audit-log';
import { RateLimiter } from '../http/rate-limit';
import { requireMember } from './conversations';
import { base64Key, bumpEpochsOf, identityKeyOf, insertDevice, listDevices, parseRegistration, toDeviceKeys } from './devices';
import { ChatRefusal } from './errors';

/**
 * A person's identity key and encrypted key backup. The backup is sealed with a key derived from
 * a passphrase the server never sees (Argon2id); the server stores it and hands it back to its
 * owner so a new browser can restore. Anyone who obtains the blob can guess passphrases
 * offline, so the blob leaves only to its owner's signed-in session, is audited, is rate-limited
 * (which slows an attacker who holds a session but not the database), and the server refuses a
 * backup made with weaker Argon2id parameters than libsodium's interactive level.
 */

/** libsodium's crypto_pwhash OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (Argon2id13). */
const minOpsLimit = 2;
const minMemLimit = 64 * 1024 * 1024;
/** OPSLIMIT_MODERATE / MEMLIMIT_MODERATE: the most a browser agrees to spend opening a backup (crypto/backup.ts). */
const maxOpsLimit = 3;
const maxMemLimit = 256 * 1024 * 1024;

const backupSchema = z
	.object({
		backupPublicKey: base64Key(32),
		salt: base64Key(16),
		opsLimit: z.number().int().min(minOpsLimit, 'The backup’s key derivation is too weak.').max(maxOpsLimit, 'The backup’s key derivation is heavier than browsers accept.'),
		memLimit: z.number().int().min(minMemLimit, 'The backup’s key derivation is too weak.').max(maxMemLimit, 'The backup’s key derivation is heavier than browsers accept.'),
		// nonce ‖ secretbox(JSON of three base64 keys): well under 1 KB; the cap keeps junk out.
		sealedSecrets: z.string().min(40).max(4096).regex(/^[A-Za-z0-9_-]+$/, 'The sealed secrets must be base64.')
	})
	.strict();

const setupSchema = z
	.object({ identityKey: base64Key(32), device: z.unknown(), backup: backupSchema, reset: z.boolean().optional() })
	.strict();

/** Backup fetches per person per hour. */
export const backupFetchLimiter = new RateLimiter(10, 60 * 60_000);

export interface KeyStatus {
	identityKey: string | null;
	hasBackup: boolean;
	devices: DeviceKeys[];
}

export async function keyStatus(db: Database, actor: Actor): Promise<KeyStatus> {
	const identityKey = await identityKeyOf(db, actor.userId);
	const [backup] = await db.select({ userId: chatKeyBackups.userId }).from(chatKeyBackups).where(eq(chatKeyBackups.userId, actor.userId));
	return { identityKey, hasBackup: Boolean(backup), devices: await listDevices(db, actor.userId) };
}

/**
 * First set-up (identity, its signed device, the backup) in one transaction, or with `reset` a
 * replacement of a lost identity: old devices are revoked, their queued keys deleted, the old
 * backup's room keys dropped (sealed to a key nobody holds any more) and every conversation of
 * the person rotated. Returns the device and the conversations whose epoch moved.
 */
export async function setUpKeys(db: Database, actor: Actor, input: unknown): Promise<{ device: DeviceKeys; rotated: string[]; reset: boolean }> {
	const parsed = setupSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The key set-up could not be read.');
	const { identityKey, backup } = parsed.data;
	const registration = parseRegistration(parsed.data.device);
	if (!registration.signature) throw new ChatRefusal('bad_signature', 'The first device must be signed by the new identity key.');
	await ready();
	const reset = parsed.data.reset === true;
	const result = await db.transaction(async (tx) => {
		const [existing] = await tx.select().from(chatIdentities).where(eq(chatIdentities.userId, actor.userId)).for('update');
		if (existing && !reset) {
			throw new ChatRefusal('invalid', 'Secure messaging is already set up for you. Restore it with your passphrase, or reset it.');
		}
		const now = new Date();
		let rotated: string[] = [];
		if (existing) {
			const old = await tx
				.update(chatDevices)
				.set({ revokedAt: now, updatedAt: now })
				.where(and(eq(chatDevices.userId, actor.userId), isNull(chatDevices.revokedAt)))
				.returning({ id: chatDevices.id });
			if (old.length > 0) await tx.delete(chatToDevice).where(inArray(chatToDevice.recipientDeviceId, old.map((d) => d.id)));
			await tx.delete(chatBackupRoomKeys).where(eq(chatBackupRoomKeys.userId, actor.userId));
			await tx.update(chatIdentities).set({ identityKey, updatedAt: now }).where(eq(chatIdentities.userId, actor.userId));
			rotated = await bumpEpochsOf(tx, actor.userId);
		} else {
			await tx.insert(chatIdentities).values({ userId: actor.userId, identityKey });
		}
		const device = await insertDevice(tx as unknown as Database, actor.userId, identityKey, registration);
		const values = {
			backupPublicKey: backup.backupPublicKey,
			salt: fromB64(backup.salt),
			opsLimit: backup.opsLimit,
			memLimit: backup.memLimit,
			sealedSecrets: fromB64(backup.sealedSecrets),
			updatedAt: now
		};
		await tx
			.insert(chatKeyBackups)
			.values({ userId: actor.userId, ...values })
			.onConflictDoUpdate({ target: chatKeyBackups.userId, set: values });
		return { device: toDeviceKeys(device), rotated, reset: Boolean(existing) };
	});
	await recordAuditEvent(db, actor, {
		action: result.reset ? 'chat.key_reset' : 'chat.key_setup',
		outcome: 'success',
		resourceType: 'chat_device',
		resourceId: result.device.deviceId,
		reason: result.reset ? `conversations=${result.rotated.length}` : undefined
	});
	return result;
}

/** The owner's backup, to restore on a new browser. Rate-limited and audited (denials too). */
export async function fetchBackup(db: Database, actor: Actor, limiter: RateLimiter = backupFetchLimiter): Promise<KeyBackup> {
	const wait = limiter.hit(actor.userId);
	if (wait > 0) {
		await recordAuditEvent(db, actor, { action: 'chat.backup_fetch', outcome: 'denied', reason: 'rate limited' });
		throw new ChatRefusal('rate_limited', `Too many attempts to fetch your key backup. Try again in ${Math.ceil(wait / 60)} minutes.`);
	}
	const [row] = await db.select().from(chatKeyBackups).where(eq(chatKeyBackups.userId, actor.userId));
	if (!row) throw new ChatRefusal('not_found', 'You have no key backup yet. Set up secure messaging first.');
	await ready();
	await recordAuditEvent(db, actor, { action: 'chat.backup_fetch', outcome: 'success' });
	return {
		backupPublicKey: row.backupPublicKey,
		salt: b64(row.salt),
		opsLimit: row.opsLimit,
		memLimit: row.memLimit,
		sealedSecrets: b64(row.sealedSecrets)
	};
}

const backupRoomKeySchema = z
	.object({
		conversationId: z.string().uuid('Name the conversation.'),
		sessionId: z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/, 'That is not a session id.'),
		// crypto_box_seal of a small JSON room key.
		sealed: z.string().min(64).max(4096).regex(/^[A-Za-z0-9_-]+$/, 'The sealed key must be base64.')
	})
	.strict();

export const parseBackupShare = (sealed: unknown) => backupRoomKeySchema.shape.sealed.safeParse(sealed);

/** A room key sealed to my backup public key, for a conversation I am in. Storing one twice keeps the first. */
export async function backUpRoomKey(db: Database, actor: Actor, input: unknown): Promise<void> {
	const parsed = backupRoomKeySchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The backed-up key could not be read.');
	const { conversationId, sessionId, sealed } = parsed.data;
	await requireMember(db, actor, conversationId);
	await ready();
	await db
		.insert(chatBackupRoomKeys)
		.values({ userId: actor.userId, conversationId, sessionId, sealed: fromB64(sealed) })
		.onConflictDoNothing();
}

/** Every backed-up room key of conversations I am still in (a restored device reads their history). */
export async function backedUpRoomKeys(db: Database, actor: Actor): Promise<{ conversationId: string; sessionId: string; sealed: string }[]> {
	const rows = await db
		.select({ conversationId: chatBackupRoomKeys.conversationId, sessionId: chatBackupRoomKeys.sessionId, sealed: chatBackupRoomKeys.sealed })
		.from(chatBackupRoomKeys)
		.innerJoin(
			conversationMembers,
			and(eq(conversationMembers.conversationId, chatBackupRoomKeys.conversationId), eq(conversationMembers.userId, actor.userId))
		)
		.where(eq(chatBackupRoomKeys.userId, actor.userId));
	await ready();
	return rows.map((r) => ({ conversationId: r.conversationId, sessionId: r.sessionId, sealed: b64(r.sealed) }));
}
