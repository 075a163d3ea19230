import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatBackupRoomKeys, chatDevices, chatIdentities, conversations } from '../../../../db/schema/index';
import { OutboundSession, WrongPassphrase, createBackup, createIdentity, openBackup, openFromBackup, ready, sealToBackup } from '../../chat/crypto/index';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { RateLimiter } from '../http/rate-limit';
import { deviceForVerification } from './devices';
import { backUpRoomKey, backedUpRoomKeys, fetchBackup, keyStatus, setUpKeys } from './key-backup';
import { insertConversation, keyedPerson, makeDevice, placeholderBackup } from './keys-testing';

const refusal = (code: string) => expect.objectContaining({ name: 'ChatRefusal', code });

describe.each(testDatabaseKinds)('key set-up and backup (%s)', (kind) => {
	let t: TestDatabase;
	let clinic: TestClinic;
	let conversationId: string;

	beforeAll(async () => {
		await ready();
		t = await createTestDatabase(kind);
		clinic = await createTestClinic(t.db);
		conversationId = await insertConversation(t.db, 'direct', [{ userId: clinic.actors.teamPhysician.userId }, { userId: clinic.actors.outsideNurse.userId }]);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('sets up once; the backup comes back to its owner and opens with the passphrase only', async () => {
		const actor = clinic.actors.teamPhysician;
		const identity = createIdentity();
		const { backup, backupSecretKey } = createBackup('correct horse battery staple', { identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey });
		const device = makeDevice(actor.userId, identity.secretKey);
		expect((await keyStatus(t.db, actor)).identityKey).toBeNull();
		await expect(fetchBackup(t.db, actor, new RateLimiter(10, 60_000))).rejects.toEqual(refusal('not_found'));

		// The first device must be signed by the new identity; a weak key derivation is refused.
		await expect(setUpKeys(t.db, actor, { identityKey: identity.publicKey, device: makeDevice(actor.userId).registration, backup })).rejects.toEqual(refusal('bad_signature'));
		await expect(setUpKeys(t.db, actor, { identityKey: identity.publicKey, device: device.registration, backup: { ...backup, opsLimit: 1 } })).rejects.toEqual(refusal('invalid'));
		await expect(setUpKeys(t.db, actor, { identityKey: createIdentity().publicKey, device: device.registration, backup })).rejects.toEqual(refusal('bad_signature'));
		expect(await t.db.select().from(chatIdentities).where(eq(chatIdentities.userId, actor.userId))).toHaveLength(0);

		const result = await setUpKeys(t.db, actor, { identityKey: identity.publicKey, device: device.registration, backup });
		expect(result).toMatchObject({ reset: false, rotated: [] });
		expect(await keyStatus(t.db, actor)).toMatchObject({ identityKey: identity.publicKey, hasBackup: true, devices: [expect.objectContaining({ deviceId: device.deviceId })] });
		// A second set-up without reset is refused.
		await expect(setUpKeys(t.db, actor, { identityKey: identity.publicKey, device: makeDevice(actor.userId, identity.secretKey).registration, backup })).rejects.toEqual(
			refusal('invalid')
		);

		const fetched = await fetchBackup(t.db, actor, new RateLimiter(10, 60_000));
		expect(fetched).toEqual(backup);
		expect(() => openBackup('wrong passphrase', fetched)).toThrow(WrongPassphrase);
		expect(openBackup('correct horse battery staple', fetched)).toEqual({ identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, backupSecretKey });

		// Room keys in the backup: only for conversations of mine; a restored device opens them.
		const session = OutboundSession.create(conversationId, device.deviceId);
		const sealed = sealToBackup(session.roomKey(actor.userId), backup.backupPublicKey);
		await backUpRoomKey(t.db, actor, { conversationId, sessionId: session.sessionId, sealed });
		await expect(backUpRoomKey(t.db, clinic.actors.frontDesk, { conversationId, sessionId: session.sessionId, sealed })).rejects.toEqual(refusal('not_member'));
		const keys = await backedUpRoomKeys(t.db, actor);
		expect(keys).toEqual([{ conversationId, sessionId: session.sessionId, sealed }]);
		expect(openFromBackup(keys[0]!.sealed, backup.backupPublicKey, backupSecretKey).sessionKey).toBe(session.sessionKey);
		expect(await backedUpRoomKeys(t.db, clinic.actors.outsideNurse)).toEqual([]);
	});

	it('rate-limits backup fetches per person and audits each, denials included', async () => {
		const actor = clinic.actors.teamPhysician;
		const limiter = new RateLimiter(3, 60 * 60_000);
		for (let i = 0; i < 3; i += 1) await fetchBackup(t.db, actor, limiter);
		await expect(fetchBackup(t.db, actor, limiter)).rejects.toEqual(refusal('rate_limited'));
		const audited = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'chat.backup_fetch'), eq(auditEvents.actorUserId, actor.userId)));
		expect(audited.filter((a) => a.outcome === 'denied')).toHaveLength(1);
		expect(audited.filter((a) => a.outcome === 'success').length).toBeGreaterThanOrEqual(4);
		// Another person is not affected.
		await expect(fetchBackup(t.db, clinic.actors.frontDesk, limiter)).rejects.toEqual(refusal('not_found'));
	});

	it('a reset replaces the identity, revokes the old devices, drops the old backup’s keys and rotates every conversation', async () => {
		const nurse = await keyedPerson(t.db, clinic.actors.outsideNurse);
		const [before] = await t.db.select().from(conversations).where(eq(conversations.id, conversationId));
		await t.db.insert(chatBackupRoomKeys).values({ userId: nurse.actor.userId, conversationId, sessionId: 'old-session-0000000000', sealed: new Uint8Array(80) });

		const fresh = createIdentity();
		const device = makeDevice(nurse.actor.userId, fresh.secretKey);
		const result = await setUpKeys(t.db, nurse.actor, { identityKey: fresh.publicKey, device: device.registration, backup: await placeholderBackup(), reset: true });
		expect(result.reset).toBe(true);
		expect(result.rotated).toEqual([conversationId]);
		const [after] = await t.db.select().from(conversations).where(eq(conversations.id, conversationId));
		expect(after!.keyEpoch).toBe(before!.keyEpoch + 1);
		expect(await deviceForVerification(t.db, nurse.device.deviceId)).toMatchObject({ revoked: true });
		expect(await deviceForVerification(t.db, device.deviceId)).toMatchObject({ revoked: false, signed: true });
		const live = await t.db.select().from(chatDevices).where(eq(chatDevices.userId, nurse.actor.userId));
		expect(live.filter((d) => d.revokedAt === null).map((d) => d.id)).toEqual([device.deviceId]);
		expect((await keyStatus(t.db, nurse.actor)).identityKey).toBe(fresh.publicKey);
		expect(await t.db.select().from(chatBackupRoomKeys).where(eq(chatBackupRoomKeys.userId, nurse.actor.userId))).toHaveLength(0);
		const audited = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'chat.key_reset'), eq(auditEvents.actorUserId, nurse.actor.userId)));
		expect(audited.length).toBeGreaterThanOrEqual(1);
	});
});
