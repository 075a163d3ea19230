import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatDevices, chatToDevice, conversations } from '../../../../db/schema/index';
import { createIdentity, openSecretsFromDevice, ready, sealSecretsForDevice, signDevice } from '../../chat/crypto/index';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { approveDevice, deviceForVerification, listDevices, registerDevice, revokeDevice } from './devices';
import { ChatRefusal } from './errors';
import { insertConversation, keyedPerson, makeDevice, type KeyedPerson } from './keys-testing';
import { acknowledgeInbox, readInbox } from './to-device';
import { conversationKeys, userKeys, verifyUser } from './verification';
import { setUpKeys } from './key-backup';
import { placeholderBackup } from './keys-testing';

const refusal = (code: string) => expect.objectContaining({ name: 'ChatRefusal', code });

describe.each(testDatabaseKinds)('chat devices (%s)', (kind) => {
	let t: TestDatabase;
	let clinic: TestClinic;
	let ruiz: KeyedPerson;
	let patel: KeyedPerson;
	let conversationId: string;
	let otherConversationId: string;

	beforeAll(async () => {
		await ready();
		t = await createTestDatabase(kind);
		clinic = await createTestClinic(t.db);
		ruiz = await keyedPerson(t.db, clinic.actors.teamPhysician);
		patel = await keyedPerson(t.db, clinic.actors.outsideNurse);
		conversationId = await insertConversation(t.db, 'direct', [{ userId: ruiz.actor.userId }, { userId: patel.actor.userId }]);
		otherConversationId = await insertConversation(t.db, 'group', [{ userId: ruiz.actor.userId }, { userId: clinic.actors.frontDesk.userId }]);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('refuses a device whose identity signature is forged, and stores nothing', async () => {
		const forger = createIdentity();
		const device = makeDevice(ruiz.actor.userId, forger.secretKey);
		await expect(registerDevice(t.db, ruiz.actor, device.registration)).rejects.toEqual(refusal('bad_signature'));
		// A real signature over another person's id does not transfer either.
		const moved = makeDevice(patel.actor.userId, ruiz.identity.secretKey);
		await expect(registerDevice(t.db, ruiz.actor, moved.registration)).rejects.toEqual(refusal('bad_signature'));
		const rows = await t.db.select().from(chatDevices).where(eq(chatDevices.id, device.deviceId));
		expect(rows).toHaveLength(0);
		expect(await deviceForVerification(t.db, device.deviceId)).toBeNull();
	});

	it('refuses malformed registrations with a sentence', async () => {
		for (const bad of [null, {}, { deviceId: 'nope', signingKey: 'x', boxKey: 'y', label: '' }, { ...makeDevice(ruiz.actor.userId).registration, extra: 1 }]) {
			const error = await registerDevice(t.db, ruiz.actor, bad).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(ChatRefusal);
			expect((error as ChatRefusal).code).toBe('invalid');
			expect((error as ChatRefusal).message.length).toBeGreaterThan(5);
		}
	});

	it('an unsigned device is listed for its owner but left out of conversation keys', async () => {
		const pending = makeDevice(patel.actor.userId);
		const registered = await registerDevice(t.db, patel.actor, pending.registration);
		expect(registered.signature).toBeNull();
		expect((await listDevices(t.db, patel.actor.userId)).map((d) => d.deviceId)).toContain(pending.deviceId);
		const users = await conversationKeys(t.db, ruiz.actor, { conversationId });
		const patelKeys = users.find((u) => u.userId === patel.actor.userId)!;
		expect(patelKeys.identityKey).toBe(patel.identity.publicKey);
		expect(patelKeys.devices.map((d) => d.deviceId)).toEqual([patel.device.deviceId]);
		expect(await deviceForVerification(t.db, pending.deviceId)).toMatchObject({ signed: false, revoked: false });
	});

	it('approval: checks the signature, signs the device and queues the secrets for it alone', async () => {
		const laptop = makeDevice(ruiz.actor.userId);
		await registerDevice(t.db, ruiz.actor, laptop.registration);
		const fields = { userId: ruiz.actor.userId, deviceId: laptop.deviceId, signingKey: laptop.keys.signing.publicKey, boxKey: laptop.keys.box.publicKey };
		const secrets = { identitySecretKey: ruiz.identity.secretKey, identityPublicKey: ruiz.identity.publicKey, backupSecretKey: 'x'.repeat(43) };
		const secretShare = sealSecretsForDevice(secrets, { boxSecretKey: ruiz.device.keys.box.secretKey }, { boxKey: laptop.keys.box.publicKey });

		// A signature by another identity is refused; the device stays unapproved and nothing is queued.
		const forged = signDevice(createIdentity().secretKey, fields);
		await expect(approveDevice(t.db, ruiz.actor, ruiz.device.deviceId, { deviceId: laptop.deviceId, signature: forged, secretShare })).rejects.toEqual(
			refusal('bad_signature')
		);
		expect(await t.db.select().from(chatToDevice).where(eq(chatToDevice.recipientDeviceId, laptop.deviceId))).toHaveLength(0);
		// The approver must be a claimed, signed device of the same person.
		await expect(approveDevice(t.db, ruiz.actor, null, { deviceId: laptop.deviceId, signature: signDevice(ruiz.identity.secretKey, fields), secretShare })).rejects.toEqual(
			refusal('no_keys')
		);
		await expect(
			approveDevice(t.db, ruiz.actor, patel.device.deviceId, { deviceId: laptop.deviceId, signature: signDevice(ruiz.identity.secretKey, fields), secretShare })
		).rejects.toEqual(refusal('forbidden'));
		// Someone else cannot approve my device.
		await expect(
			approveDevice(t.db, patel.actor, patel.device.deviceId, { deviceId: laptop.deviceId, signature: signDevice(ruiz.identity.secretKey, fields), secretShare })
		).rejects.toEqual(refusal('not_found'));

		const row = await approveDevice(t.db, ruiz.actor, ruiz.device.deviceId, { deviceId: laptop.deviceId, signature: signDevice(ruiz.identity.secretKey, fields), secretShare });
		expect(row).toMatchObject({ kind: 'secret_share', recipientDeviceId: laptop.deviceId, senderDeviceId: ruiz.device.deviceId });
		expect(await deviceForVerification(t.db, laptop.deviceId)).toMatchObject({ signed: true, revoked: false });

		// Only the new device reads it, and it opens to the same secrets.
		expect(await readInbox(t.db, ruiz.actor, ruiz.device.deviceId, { afterId: 0 })).toEqual([]);
		await expect(readInbox(t.db, patel.actor, laptop.deviceId, { afterId: 0 })).rejects.toEqual(refusal('forbidden'));
		await expect(readInbox(t.db, ruiz.actor, null, { afterId: 0 })).rejects.toEqual(refusal('no_keys'));
		const inbox = await readInbox(t.db, ruiz.actor, laptop.deviceId, { afterId: 0 });
		expect(inbox).toHaveLength(1);
		expect(inbox[0]).toMatchObject({ kind: 'secret_share', senderUserId: ruiz.actor.userId, senderDeviceId: ruiz.device.deviceId });
		expect(openSecretsFromDevice(inbox[0]!.payload, { boxSecretKey: laptop.keys.box.secretKey }, { boxKey: ruiz.device.keys.box.publicKey })).toEqual(secrets);

		// Another device's acknowledgement deletes nothing of this one; the owner's does.
		expect(await acknowledgeInbox(t.db, ruiz.actor, ruiz.device.deviceId, { upToId: inbox[0]!.id })).toBe(0);
		expect(await acknowledgeInbox(t.db, ruiz.actor, laptop.deviceId, { upToId: inbox[0]!.id })).toBe(1);
		expect(await readInbox(t.db, ruiz.actor, laptop.deviceId, { afterId: 0 })).toEqual([]);

		// Approving twice is refused.
		await expect(
			approveDevice(t.db, ruiz.actor, ruiz.device.deviceId, { deviceId: laptop.deviceId, signature: signDevice(ruiz.identity.secretKey, fields), secretShare })
		).rejects.toEqual(refusal('invalid'));
		const audited = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'chat.device_approve'), eq(auditEvents.resourceId, laptop.deviceId)));
		expect(audited).toHaveLength(1);
	});

	it('revoking a device bumps the epoch of every conversation of its owner in one step, and drops its queue', async () => {
		const phone = makeDevice(ruiz.actor.userId, ruiz.identity.secretKey);
		await registerDevice(t.db, ruiz.actor, phone.registration);
		await t.db.insert(chatToDevice).values({ recipientDeviceId: phone.deviceId, senderDeviceId: ruiz.device.deviceId, kind: 'room_key', payload: 'cGF5bG9hZA' });
		const epochs = async () =>
			Object.fromEntries((await t.db.select({ id: conversations.id, e: conversations.keyEpoch }).from(conversations)).map((r) => [r.id, r.e]));
		const before = await epochs();

		await expect(revokeDevice(t.db, patel.actor, { deviceId: phone.deviceId })).rejects.toEqual(refusal('not_found'));
		const result = await revokeDevice(t.db, ruiz.actor, { deviceId: phone.deviceId });
		expect(result.conversationIds.sort()).toEqual([conversationId, otherConversationId].sort());
		const after = await epochs();
		expect(after[conversationId]).toBe(before[conversationId]! + 1);
		expect(after[otherConversationId]).toBe(before[otherConversationId]! + 1);

		expect(await deviceForVerification(t.db, phone.deviceId)).toMatchObject({ revoked: true });
		expect(await t.db.select().from(chatToDevice).where(eq(chatToDevice.recipientDeviceId, phone.deviceId))).toHaveLength(0);
		const users = await conversationKeys(t.db, patel.actor, { conversationId });
		expect(users.find((u) => u.userId === ruiz.actor.userId)!.devices.map((d) => d.deviceId)).not.toContain(phone.deviceId);
		// The revoked device can no longer read a queue or be revoked again.
		await expect(readInbox(t.db, ruiz.actor, phone.deviceId, { afterId: 0 })).rejects.toEqual(refusal('forbidden'));
		await expect(revokeDevice(t.db, ruiz.actor, { deviceId: phone.deviceId })).rejects.toEqual(refusal('invalid'));
	});

	it('conversation keys only for members', async () => {
		await expect(conversationKeys(t.db, clinic.actors.frontDesk, { conversationId })).rejects.toEqual(refusal('not_member'));
		await expect(conversationKeys(t.db, ruiz.actor, { conversationId: 'nope' })).rejects.toEqual(refusal('invalid'));
	});

	it('verification: only of people I share a conversation with, for their current identity key', async () => {
		await expect(userKeys(t.db, clinic.actors.frontDesk, { userId: patel.actor.userId })).rejects.toEqual(refusal('forbidden'));
		await expect(verifyUser(t.db, clinic.actors.frontDesk, { userId: patel.actor.userId, identityKey: patel.identity.publicKey })).rejects.toEqual(refusal('forbidden'));
		await expect(verifyUser(t.db, ruiz.actor, { userId: patel.actor.userId, identityKey: createIdentity().publicKey })).rejects.toEqual(refusal('invalid'));
		await expect(verifyUser(t.db, ruiz.actor, { userId: ruiz.actor.userId, identityKey: ruiz.identity.publicKey })).rejects.toEqual(refusal('invalid'));
		expect((await userKeys(t.db, ruiz.actor, { userId: patel.actor.userId })).verifiedByMe).toBe(false);
		await verifyUser(t.db, ruiz.actor, { userId: patel.actor.userId, identityKey: patel.identity.publicKey });
		expect(await userKeys(t.db, ruiz.actor, { userId: patel.actor.userId })).toMatchObject({ identityKey: patel.identity.publicKey, verifiedByMe: true });
		// Patel resets: the verification no longer holds.
		const fresh = createIdentity();
		await setUpKeys(t.db, patel.actor, { identityKey: fresh.publicKey, device: makeDevice(patel.actor.userId, fresh.secretKey).registration, backup: await placeholderBackup(), reset: true });
		expect(await userKeys(t.db, ruiz.actor, { userId: patel.actor.userId })).toMatchObject({ identityKey: fresh.publicKey, verifiedByMe: false });
	});
});
