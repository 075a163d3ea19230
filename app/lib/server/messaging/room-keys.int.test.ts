import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatBackupRoomKeys, chatComplianceKeys, chatComplianceRoomKeys, chatSessions, chatToDevice, conversations } from '../../../../db/schema/index';
import {
	OutboundSession,
	createComplianceKeyPair,
	decryptComplianceExport,
	openRoomKey,
	ready,
	sealRoomKey,
	sealToBackup,
	sealToCompliance
} from '../../chat/crypto/index';
import type { RoomKeyShare } from '../../chat/protocol';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { exportConversation, setComplianceKey } from './compliance';
import { registerDevice, revokeDevice } from './devices';
import { insertConversation, keyedPerson, makeDevice, placeholderBackup, type KeyedPerson, type TestDevice } from './keys-testing';
import { acceptMessage } from './messages';
import { shareMore, shareRoomKey } from './room-keys';
import { readInbox } from './to-device';

const refusal = (code: string) => expect.objectContaining({ name: 'ChatRefusal', code });

describe.each(testDatabaseKinds)('room-key shares (%s)', (kind) => {
	let t: TestDatabase;
	let clinic: TestClinic;
	let ruiz: KeyedPerson;
	let patel: KeyedPerson;
	let okafor: KeyedPerson;
	let desk: KeyedPerson;
	let conversationId: string;
	let backupPublicKey: string;

	const share = (session: OutboundSession, from: KeyedPerson, to: { deviceId: string; keys: TestDevice['keys'] }): RoomKeyShare => ({
		deviceId: to.deviceId,
		payload: sealRoomKey(
			session.roomKey(from.actor.userId),
			{ signingSecretKey: from.device.keys.signing.secretKey, boxSecretKey: from.device.keys.box.secretKey },
			{ deviceId: to.deviceId, boxKey: to.keys.box.publicKey }
		)
	});
	const storedCounts = async (sessionId: string) => ({
		sessions: (await t.db.select().from(chatSessions).where(eq(chatSessions.id, sessionId))).length,
		toDevice: (await t.db.select().from(chatToDevice).where(eq(chatToDevice.sessionId, sessionId))).length,
		compliance: (await t.db.select().from(chatComplianceRoomKeys).where(eq(chatComplianceRoomKeys.sessionId, sessionId))).length,
		backup: (await t.db.select().from(chatBackupRoomKeys).where(eq(chatBackupRoomKeys.sessionId, sessionId))).length
	});

	beforeAll(async () => {
		await ready();
		t = await createTestDatabase(kind);
		clinic = await createTestClinic(t.db);
		ruiz = await keyedPerson(t.db, clinic.actors.teamPhysician);
		patel = await keyedPerson(t.db, clinic.actors.outsideNurse);
		okafor = await keyedPerson(t.db, clinic.actors.outsidePhysician);
		desk = await keyedPerson(t.db, clinic.actors.frontDesk);
		conversationId = await insertConversation(t.db, 'group', [
			{ userId: ruiz.actor.userId },
			{ userId: patel.actor.userId },
			{ userId: desk.actor.userId, access: 'read' }
		]);
		backupPublicKey = (await placeholderBackup()).backupPublicKey;
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('refuses a share to a non-member’s device and stores nothing at all', async () => {
		const session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		const result = shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, {
			conversationId,
			sessionId: session.sessionId,
			shares: [share(session, ruiz, patel.device), share(session, ruiz, okafor.device)],
			backupShare: sealToBackup(session.roomKey(ruiz.actor.userId), backupPublicKey)
		});
		await expect(result).rejects.toEqual(refusal('no_keys'));
		expect(await storedCounts(session.sessionId)).toEqual({ sessions: 0, toDevice: 0, compliance: 0, backup: 0 });
	});

	it('refuses a share to an unsigned or revoked device of a member', async () => {
		const pending = makeDevice(patel.actor.userId);
		await registerDevice(t.db, patel.actor, pending.registration);
		const session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		await expect(
			shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [share(session, ruiz, pending)] })
		).rejects.toEqual(refusal('no_keys'));
		expect(await storedCounts(session.sessionId)).toEqual({ sessions: 0, toDevice: 0, compliance: 0, backup: 0 });
	});

	it('refuses senders who are not posting members, or who act for a device not theirs', async () => {
		const session = OutboundSession.create(conversationId, desk.device.deviceId);
		const payload = { conversationId, sessionId: session.sessionId, shares: [] };
		await expect(shareRoomKey(t.db, desk.actor, desk.device.deviceId, payload)).rejects.toEqual(refusal('read_only'));
		await expect(shareRoomKey(t.db, okafor.actor, okafor.device.deviceId, payload)).rejects.toEqual(refusal('not_member'));
		await expect(shareRoomKey(t.db, ruiz.actor, patel.device.deviceId, payload)).rejects.toEqual(refusal('forbidden'));
		await expect(shareRoomKey(t.db, ruiz.actor, null, payload)).rejects.toEqual(refusal('no_keys'));
		for (const bad of [null, {}, { ...payload, sessionId: 'short' }, { ...payload, shares: [{ deviceId: ruiz.device.deviceId, payload: '!!' }] }]) {
			await expect(shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, bad)).rejects.toEqual(refusal('invalid'));
		}
	});

	it('stores the session at the current epoch, a share per device for that device alone, and the backup copy', async () => {
		const session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		const { keyEpoch, deliveries } = await shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, {
			conversationId,
			sessionId: session.sessionId,
			shares: [share(session, ruiz, patel.device), share(session, ruiz, desk.device)],
			backupShare: sealToBackup(session.roomKey(ruiz.actor.userId), backupPublicKey)
		});
		const [conversation] = await t.db.select().from(conversations).where(eq(conversations.id, conversationId));
		expect(keyEpoch).toBe(conversation!.keyEpoch);
		expect(deliveries.map((d) => d.recipientDeviceId).sort()).toEqual([patel.device.deviceId, desk.device.deviceId].sort());
		expect(await storedCounts(session.sessionId)).toEqual({ sessions: 1, toDevice: 2, compliance: 0, backup: 1 });

		const [received] = await readInbox(t.db, patel.actor, patel.device.deviceId, { afterId: 0 });
		expect(received).toMatchObject({ kind: 'room_key', conversationId, sessionId: session.sessionId, senderUserId: ruiz.actor.userId });
		const key = openRoomKey(received!.payload, { deviceId: patel.device.deviceId, boxSecretKey: patel.device.keys.box.secretKey }, {
			signingKey: ruiz.device.keys.signing.publicKey,
			boxKey: ruiz.device.keys.box.publicKey
		});
		expect(key.sessionKey).toBe(session.sessionKey);
		// Another member's device cannot read Patel's queue.
		await expect(readInbox(t.db, ruiz.actor, patel.device.deviceId, { afterId: 0 })).rejects.toEqual(refusal('forbidden'));

		// The same session id twice is refused.
		await expect(
			shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [] })
		).rejects.toEqual(refusal('invalid'));
	});

	it('shares more of a current session with a new device, and refuses once the epoch moved', async () => {
		const session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		await shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [share(session, ruiz, patel.device)] });
		const tablet = makeDevice(patel.actor.userId, patel.identity.secretKey);
		await registerDevice(t.db, patel.actor, tablet.registration);
		const { deliveries } = await shareMore(t.db, ruiz.actor, ruiz.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [share(session, ruiz, tablet)] });
		expect(deliveries).toHaveLength(1);
		// Someone else's session is not mine to share.
		await expect(
			shareMore(t.db, patel.actor, patel.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [share(session, patel, ruiz.device)] })
		).rejects.toEqual(refusal('unknown_session'));

		await revokeDevice(t.db, patel.actor, { deviceId: tablet.deviceId });
		await expect(
			shareMore(t.db, ruiz.actor, ruiz.device.deviceId, { conversationId, sessionId: session.sessionId, shares: [share(session, ruiz, patel.device)] })
		).rejects.toEqual(refusal('stale_session'));
		// And the send path refuses the stale session too.
		const envelope = session.encrypt({ body: 'after revocation', composedAt: Date.now() }, ruiz.device.keys.signing.secretKey);
		await expect(acceptMessage(t.db, ruiz.actor, { claimedDeviceId: ruiz.device.deviceId }, { envelope })).rejects.toEqual(refusal('stale_session'));
	});

	it('requires the compliance share once the clinic has a compliance key, and the export decrypts with its private key', async () => {
		await expect(setComplianceKey(t.db, ruiz.actor, { publicKey: 'x' })).rejects.toEqual(refusal('forbidden'));
		await expect(setComplianceKey(t.db, clinic.actors.admin, { publicKey: 'not a key' })).rejects.toEqual(refusal('invalid'));
		const pair = createComplianceKeyPair();
		const key = await setComplianceKey(t.db, clinic.actors.admin, { publicKey: pair.publicKey });

		const session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		const base = { conversationId, sessionId: session.sessionId, shares: [share(session, ruiz, patel.device)] };
		await expect(shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, base)).rejects.toEqual(refusal('no_keys'));
		expect(await storedCounts(session.sessionId)).toEqual({ sessions: 0, toDevice: 0, compliance: 0, backup: 0 });

		await shareRoomKey(t.db, ruiz.actor, ruiz.device.deviceId, { ...base, complianceShare: sealToCompliance(session.roomKey(ruiz.actor.userId), pair.publicKey) });
		const [filed] = await t.db.select().from(chatComplianceRoomKeys).where(eq(chatComplianceRoomKeys.sessionId, session.sessionId));
		expect(filed!.complianceKeyId).toBe(key.id);

		const texts = ['Lab results are in for bed 4.', 'Potassium 5.9, repeat in the morning.'];
		for (const body of texts) {
			const envelope = session.encrypt({ body, composedAt: Date.now() }, ruiz.device.keys.signing.secretKey);
			await acceptMessage(t.db, ruiz.actor, { claimedDeviceId: ruiz.device.deviceId }, { envelope });
		}

		await expect(exportConversation(t.db, ruiz.actor, conversationId)).rejects.toEqual(refusal('forbidden'));
		await expect(exportConversation(t.db, clinic.actors.admin, 'nope')).rejects.toEqual(refusal('invalid'));
		const exported = await exportConversation(t.db, clinic.actors.admin, conversationId);
		expect(exported.complianceKeyId).toBe(key.id);
		expect(JSON.stringify(exported)).not.toContain('Potassium');
		const rows = decryptComplianceExport(exported, pair.secretKey);
		expect(rows.filter((r) => r.content).map((r) => r.content!.body)).toEqual(texts);
		// The wrong key reads nothing.
		expect(decryptComplianceExport(exported, createComplianceKeyPair().secretKey).every((r) => r.content === null)).toBe(true);

		const [audit] = await t.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'chat.compliance_export'), eq(auditEvents.outcome, 'success'), eq(auditEvents.resourceId, conversationId)));
		expect(audit!.reason).toBe('messages=2; sessions=1');
		const denied = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'chat.compliance_export'), eq(auditEvents.outcome, 'denied')));
		expect(denied).toHaveLength(1);
		expect((await t.db.select().from(chatComplianceKeys)).filter((k) => k.retiredAt === null)).toHaveLength(1);
	});
});
