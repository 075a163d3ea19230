import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatMessages, chatSessions, conversations } from '../../../../db/schema/index';
import { decryptEnvelope } from '../../chat/crypto/index';
import { chatLimits } from '../../chat/protocol';
import { createConversation, conversationSummary, listConversations } from './conversations';
import { addMembers, removeMember } from './members';
import { acceptMessage, retractMessage } from './messages';
import { loadHistory } from './history';
import { recordReceipt } from './receipts';
import { usersToNotify, saveNotificationSettings } from './notification-settings';
import { listMessageMetadata } from './metadata-audit';
import { ChatRefusal } from './errors';
import { AccessDenied } from '../access/errors';
import { createChatTestClinic, createTestDevice, createTestSession, type ChatTestClinic, type TestDevice } from './testing';

async function refusal(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof ChatRefusal) return error.code;
		throw error;
	}
	throw new Error('expected a refusal');
}

describe.each(testDatabaseKinds)('sending, history, receipts and unread counts (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: ChatTestClinic;
	let a: ChatTestClinic['actors'];
	let patientDevice: TestDevice;
	let doctorDevice: TestDevice;
	let patientCareId: string;
	const content = (body: string) => ({ body, composedAt: Date.now() });

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createChatTestClinic(database.db);
		a = clinic.actors;
		patientDevice = await createTestDevice(database.db, a.patient.userId);
		doctorDevice = await createTestDevice(database.db, a.teamPhysician.userId);
		patientCareId = (await createConversation(database.db, a.patient, { kind: 'patient_care', patientId: clinic.patientId })).conversation.id;
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('stores a message, numbers it, counts it unread for the others and audits its size only', async () => {
		const session = await createTestSession(database.db, patientDevice, patientCareId);
		const envelope = session.encrypt(content('My knee still hurts'), patientDevice.keys.signing.secretKey);
		const { message, memberIds } = await acceptMessage(database.db, a.patient, { claimedDeviceId: patientDevice.deviceId }, { envelope });
		expect(message.seq).toBe(1);
		expect(message.envelope).toEqual(envelope);
		expect(memberIds).toContain(a.teamPhysician.userId);
		// Only members' browsers can read it: the server stored ciphertext that opens with the session key.
		expect(decryptEnvelope(message.envelope, session.sessionKey).body).toBe('My knee still hurts');

		expect((await conversationSummary(database.db, patientCareId, a.teamPhysician.userId))!.unread).toBe(1);
		expect((await conversationSummary(database.db, patientCareId, a.patient.userId))!.unread).toBe(0);
		const [audit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'message.send'), like(auditEvents.reason, 'bytes=%')));
		expect(audit!.resourceId).toBe(patientCareId);
		expect(audit!.patientId).toBe(clinic.patientId);
		// Four members: the patient, the records proxy, the physician and the nurse.
		expect(audit!.reason).toMatch(/^bytes=\d+; recipients=3$/);
		expect(audit!.reason).not.toContain('knee');

		const history = await loadHistory(database.db, a.teamPhysician, { conversationId: patientCareId });
		expect(history.messages.map((m) => m.messageId)).toEqual([message.messageId]);
		expect(history.hasMore).toBe(false);
		// Opening a patient thread's history is in the patient's audit trail.
		const opened = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'message.history'), eq(auditEvents.actorUserId, a.teamPhysician.userId)));
		expect(opened.map((e) => e.outcome)).toEqual(['success']);
	});

	it('moves receipt markers forward only, never past the last message, and read clears unread', async () => {
		const markers = await recordReceipt(database.db, a.teamPhysician, { conversationId: patientCareId, readSeq: 1 });
		expect(markers).toMatchObject({ deliveredSeq: 1, readSeq: 1, moved: true });
		expect((await conversationSummary(database.db, patientCareId, a.teamPhysician.userId))!.unread).toBe(0);
		const late = await recordReceipt(database.db, a.teamPhysician, { conversationId: patientCareId, deliveredSeq: 0, readSeq: 0 });
		expect(late).toMatchObject({ deliveredSeq: 1, readSeq: 1, moved: false });
		expect(await refusal(recordReceipt(database.db, a.teamPhysician, { conversationId: patientCareId, readSeq: 99 }))).toBe('invalid');
		expect(await refusal(recordReceipt(database.db, a.frontDesk, { conversationId: patientCareId, readSeq: 1 }))).toBe('not_member');
		const summary = (await listConversations(database.db, a.patient)).find((c) => c.conversationId === patientCareId)!;
		expect(summary.members.find((m) => m.userId === a.teamPhysician.userId)).toMatchObject({ deliveredSeq: 1, readSeq: 1 });
	});

	it('pages history newest first and shows a newcomer only what came after they joined', async () => {
		const group = (await createConversation(database.db, a.teamPhysician, { kind: 'group', title: 'Night shift', memberUserIds: [a.outsideNurse.userId] })).conversation;
		const session = await createTestSession(database.db, doctorDevice, group.id);
		for (let i = 0; i < 5; i++) {
			await acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: doctorDevice.deviceId }, { envelope: session.encrypt(content(`note ${i}`), doctorDevice.keys.signing.secretKey) });
		}
		const first = await loadHistory(database.db, a.outsideNurse, { conversationId: group.id, limit: 2 });
		expect(first.messages.map((m) => m.seq)).toEqual([5, 4]);
		expect(first.hasMore).toBe(true);
		const rest = await loadHistory(database.db, a.outsideNurse, { conversationId: group.id, beforeSeq: 4, limit: 10 });
		expect(rest.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
		expect(rest.hasMore).toBe(false);

		await addMembers(database.db, a.teamPhysician, { conversationId: group.id, userIds: [a.frontDesk.userId] });
		expect((await loadHistory(database.db, a.frontDesk, { conversationId: group.id })).messages).toEqual([]);
		expect((await conversationSummary(database.db, group.id, a.frontDesk.userId))!.unread).toBe(0);
		await acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: doctorDevice.deviceId }, { envelope: session.encrypt(content('welcome'), doctorDevice.keys.signing.secretKey) });
		expect((await loadHistory(database.db, a.frontDesk, { conversationId: group.id })).messages.map((m) => m.seq)).toEqual([6]);
		expect((await conversationSummary(database.db, group.id, a.frontDesk.userId))!.unread).toBe(1);

		// Deleted for everyone: the place stays, the ciphertext goes.
		const [sixth] = (await loadHistory(database.db, a.frontDesk, { conversationId: group.id })).messages;
		expect(await refusal(retractMessage(database.db, a.frontDesk, '/nonexistent', { messageId: sixth!.messageId }))).toBe('forbidden');
		await retractMessage(database.db, a.teamPhysician, '/nonexistent', { messageId: sixth!.messageId });
		const [retracted] = (await loadHistory(database.db, a.frontDesk, { conversationId: group.id })).messages;
		expect(retracted!.envelope.ciphertext).toBe('');
		expect(retracted!.retractedAt).not.toBeNull();
		expect((await conversationSummary(database.db, group.id, a.frontDesk.userId))!.unread).toBe(0);
	});

	it('refuses what it cannot accept with a reason, storing nothing', async () => {
		const group = (await createConversation(database.db, a.teamPhysician, { kind: 'group', memberUserIds: [a.outsideNurse.userId, a.frontDesk.userId] })).conversation;
		const other = (await createConversation(database.db, a.outsideNurse, { kind: 'group', memberUserIds: [a.frontDesk.userId] })).conversation;
		const session = await createTestSession(database.db, doctorDevice, group.id);
		const claim = { claimedDeviceId: doctorDevice.deviceId };
		const sign = doctorDevice.keys.signing.secretKey;
		const stored = async () => (await database.db.select().from(chatMessages).where(eq(chatMessages.conversationId, group.id))).length;

		const good = session.encrypt(content('first'), sign);
		await acceptMessage(database.db, a.teamPhysician, claim, { envelope: good });
		expect(await stored()).toBe(1);

		// Replayed, and an older index after a newer one (reordered).
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: good }))).toBe('replay');
		const second = session.encrypt(content('second'), sign);
		const third = session.encrypt(content('third'), sign);
		await acceptMessage(database.db, a.teamPhysician, claim, { envelope: third });
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: second }))).toBe('replay');
		// Forged: the ciphertext changed after signing; signed by another device's key.
		const next = session.encrypt(content('fourth'), sign);
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: { ...next, ciphertext: `${next.ciphertext.slice(0, -2)}AA` } }))).toBe('bad_signature');
		const impostor = await createTestDevice(database.db, a.outsideNurse.userId);
		const forged = session.encrypt(content('forged'), impostor.keys.signing.secretKey);
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: forged }))).toBe('bad_signature');
		// Sent from a socket that claimed another device, or an unsigned (unapproved) device.
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: null }, { envelope: session.encrypt(content('x'), sign) }))).toBe('bad_signature');
		const unapproved = await createTestDevice(database.db, a.teamPhysician.userId, { signed: false });
		const unapprovedSession = await createTestSession(database.db, unapproved, group.id);
		const fromUnapproved = unapprovedSession.encrypt(content('x'), unapproved.keys.signing.secretKey);
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: unapproved.deviceId }, { envelope: fromUnapproved }))).toBe('bad_signature');
		// A conversation the sender is not in.
		const strangerSession = await createTestSession(database.db, doctorDevice, other.id).catch(() => null);
		expect(strangerSession).not.toBeNull();
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: strangerSession!.encrypt(content('hi'), sign) }))).toBe('not_member');
		// The envelope names another conversation than its session's (re-signed, so only the binding is wrong).
		const moved = session.encrypt(content('moved'), sign);
		const movedOut = await createConversation(database.db, a.teamPhysician, { kind: 'group', memberUserIds: [a.frontDesk.userId] });
		const { signEnvelope } = await import('../../chat/crypto/index');
		const rebound = signEnvelope({ ...moved, conversationId: movedOut.conversation.id }, sign);
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: rebound }))).toBe('unknown_session');
		// Oversized.
		const huge = { ...session.encrypt(content('big'), sign), ciphertext: 'A'.repeat(chatLimits.maxCiphertextChars + 1) };
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: huge }))).toBe('too_large');
		// Malformed.
		for (const bad of [null, {}, { envelope: { ...good, index: -1 } }, { envelope: { ...good, extra: 1 } }, { envelope: good, attachmentIds: ['nope'] }]) {
			expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, bad))).toBe('invalid');
		}
		// An attachment that is not the sender's upload to this conversation.
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, claim, { envelope: session.encrypt(content('with file'), sign), attachmentIds: [crypto.randomUUID()] }))).toBe('invalid');

		expect(await stored()).toBe(2);
		const [row] = await database.db.select().from(chatSessions).where(eq(chatSessions.id, session.sessionId));
		expect(row!.lastIndex).toBe(2);
		const [conversation] = await database.db.select().from(conversations).where(eq(conversations.id, group.id));
		expect(conversation!.lastSeq).toBe(2);
	});

	it('refuses a session from before a member left (stale_session); a new session works', async () => {
		const group = (await createConversation(database.db, a.teamPhysician, { kind: 'group', memberUserIds: [a.outsideNurse.userId, a.frontDesk.userId] })).conversation;
		const old = await createTestSession(database.db, doctorDevice, group.id);
		await acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: doctorDevice.deviceId }, { envelope: old.encrypt(content('before'), doctorDevice.keys.signing.secretKey) });
		await removeMember(database.db, a.teamPhysician, { conversationId: group.id, userId: a.frontDesk.userId });
		expect(await refusal(acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: doctorDevice.deviceId }, { envelope: old.encrypt(content('after'), doctorDevice.keys.signing.secretKey) }))).toBe('stale_session');
		const fresh = await createTestSession(database.db, doctorDevice, group.id);
		const { message } = await acceptMessage(database.db, a.teamPhysician, { claimedDeviceId: doctorDevice.deviceId }, { envelope: fresh.encrypt(content('after'), doctorDevice.keys.signing.secretKey) });
		expect(message.seq).toBe(2);
		// The removed member is out: no history, no receipts.
		expect(await refusal(loadHistory(database.db, a.frontDesk, { conversationId: group.id }))).toBe('not_member');
	});

	it('alerts members by role defaults and their own settings, never the sender or a muted member', async () => {
		const careTeam = (await createConversation(database.db, a.teamPhysician, { kind: 'care_team', patientId: clinic.patientId })).conversation;
		expect(await usersToNotify(database.db, careTeam, a.teamPhysician.userId)).toEqual([clinic.teamNurse.userId]);
		await saveNotificationSettings(database.db, clinic.teamNurse, { settings: { kinds: { direct: true, group: true, care_team: false, patient_care: true, patient_appointments: false }, browser: false } });
		expect(await usersToNotify(database.db, careTeam, a.teamPhysician.userId)).toEqual([]);
		const appointments = (await createConversation(database.db, a.frontDesk, { kind: 'patient_appointments', patientId: clinic.patientId })).conversation;
		expect((await usersToNotify(database.db, appointments, a.patient.userId)).sort()).toEqual([a.frontDesk.userId, a.recordsProxy.userId, a.appointmentsProxy.userId].sort());
		expect(await refusal(saveNotificationSettings(database.db, a.patient, { settings: { kinds: {}, browser: true } }))).toBe('invalid');
	});

	it('shows administrators message metadata without content, audited; refuses everyone else', async () => {
		const { rows } = await listMessageMetadata(database.db, a.admin, { conversationId: patientCareId });
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ conversationId: patientCareId, conversationKind: 'patient_care', senderUserId: a.patient.userId, recipientCount: 3, retracted: false });
		expect(Object.keys(rows[0]!)).not.toContain('ciphertext');
		await expect(listMessageMetadata(database.db, a.teamPhysician, {})).rejects.toBeInstanceOf(AccessDenied);
		const views = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'chat.metadata_view'));
		expect(views.map((v) => v.outcome).sort()).toEqual(['denied', 'success']);
	});
});
