import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { testDatabaseKinds } from '../db/testing';
import { chatMessages, chatSessions } from '../db/schema/index';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { DecryptionFailed, OutboundSession, decryptEnvelope, openRoomKey, ready, sealRoomKey, signEnvelope, type RoomKey } from '../app/lib/chat/crypto/index';
import { chatLimits, type ChatAck, type MessageEnvelope, type StoredMessage, type ToDeviceMessage } from '../app/lib/chat/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import { createChatTestClinic, createTestDevice, type ChatTestClinic, type TestDevice } from '../app/lib/server/messaging/testing';
import { removeCareTeamMember, setCareTeamMember } from '../app/lib/server/admin/care-teams';
import { signInCookie, startTestServer, type TestServer } from './testing';

/**
 * End-to-end encrypted messaging over the real server: real socket.io, the real crypto of
 * app/lib/chat/crypto on the "browser" side, PGlite and Postgres. What a person's browser does
 * (share a room key, encrypt, sign, send, decrypt what arrives) is done here by hand.
 */

const password = 'chat-test-password-2026';
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Loose = { emitWithAck(event: string, ...args: unknown[]): Promise<ChatAck<Record<string, unknown>>> };

interface Person {
	socket: ClientSocket;
	device: TestDevice;
	userId: string;
}

/** The next time `event` arrives matching `accept`; registered before the action that causes it. */
function next<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E, accept: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true) {
	return new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
		const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
			if (!accept(payload)) return;
			socket.off(event, listener as never);
			resolve(payload);
		};
		socket.on(event, listener as never);
	});
}

/** Records everything of one kind a socket receives, to show later that something never came. */
function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
	const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
	socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => seen.push(payload)) as never);
	return seen;
}

describe.each(testDatabaseKinds)('end-to-end encrypted chat over socket.io (%s)', (kind) => {
	let t: TestServer;
	let clinic: ChatTestClinic;
	let doctor: Person;
	let nurse: Person;
	let desk: Person;
	let patient: Person;
	const sockets: ClientSocket[] = [];

	const connect = async (email: string, userId: string): Promise<Person> => {
		const cookie = await signInCookie(t.url, email, password);
		const socket: ClientSocket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		const device = await createTestDevice(t.database.db, userId);
		expect(await socket.emitWithAck('keys:claim-device', { deviceId: device.deviceId })).toEqual({ ok: true });
		return { socket, device, userId };
	};

	/** Starts a sending session and shares its key with these devices, as the browser does. */
	const startSession = async (sender: Person, conversationId: string, recipients: Person[]) => {
		const session = OutboundSession.create(conversationId, sender.device.deviceId);
		const roomKey = session.roomKey(sender.userId);
		const shares = recipients.map((r) => ({ deviceId: r.device.deviceId, payload: sealFor(roomKey, sender, r) }));
		const reply = await sender.socket.emitWithAck('keys:share-room-key', { conversationId, sessionId: session.sessionId, shares });
		return { session, reply };
	};
	const sealFor = (roomKey: RoomKey, sender: Person, recipient: Person) =>
		sealRoomKey(roomKey, { signingSecretKey: sender.device.keys.signing.secretKey, boxSecretKey: sender.device.keys.box.secretKey }, { deviceId: recipient.device.deviceId, boxKey: recipient.device.keys.box.publicKey });

	/** What a recipient's browser does with a room key that arrived for its device. */
	const openShare = (message: ToDeviceMessage, recipient: Person, sender: Person) =>
		openRoomKey(message.payload, { deviceId: recipient.device.deviceId, boxSecretKey: recipient.device.keys.box.secretKey }, { signingKey: sender.device.keys.signing.publicKey, boxKey: sender.device.keys.box.publicKey });

	const send = (person: Person, envelope: MessageEnvelope, attachmentIds?: string[]) =>
		person.socket.emitWithAck('chat:send', attachmentIds ? { envelope, attachmentIds } : { envelope });

	beforeAll(async () => {
		await ready();
		t = await startTestServer(kind);
		clinic = await createChatTestClinic(t.database.db, await hashPassword(password));
		await relaxDemoSignInPolicy(t.database.db);
		const a = clinic.actors;
		doctor = await connect('ruiz@clinic.example', a.teamPhysician.userId);
		nurse = await connect('brooks@clinic.example', clinic.teamNurse.userId);
		desk = await connect('desk@clinic.example', a.frontDesk.userId);
		patient = await connect('maria@example.org', a.patient.userId);
	}, 180_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await t?.stop();
	});

	it('a doctor and a nurse chat in the care-team thread: delivered live, decrypted, notified without content, receipted, unread counted', async () => {
		const announced = next(nurse.socket, 'chat:conversation', (c) => c.kind === 'care_team');
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		expect(created.conversation.members.map((m) => m.userId).sort()).toEqual([doctor.userId, nurse.userId].sort());
		expect((await announced).conversationId).toBe(conversationId);

		const keyArrives = next(nurse.socket, 'keys:to-device', (m) => m.conversationId === conversationId);
		const { session, reply } = await startSession(doctor, conversationId, [nurse]);
		expect(reply).toMatchObject({ ok: true, keyEpoch: 0 });
		const roomKey = openShare(await keyArrives, nurse, doctor);

		const delivered = next(nurse.socket, 'chat:message', (m) => m.envelope.conversationId === conversationId);
		const notified = next(nurse.socket, 'chat:notify', (n) => n.conversationId === conversationId);
		const envelope = session.encrypt({ body: 'BP 150/95 this morning, please review', composedAt: Date.now() }, doctor.device.keys.signing.secretKey);
		const sent = await send(doctor, envelope);
		if (!sent.ok) throw new Error(sent.error);
		expect(sent.message.seq).toBe(1);
		const message = await delivered;
		expect(message).toEqual(sent.message);
		expect(decryptEnvelope(message.envelope, roomKey.sessionKey).body).toBe('BP 150/95 this morning, please review');
		// The alert names the conversation and its kind, nothing of the message.
		expect(await notified).toEqual({ conversationId, kind: 'care_team' });

		const listed = await nurse.socket.emitWithAck('chat:conversations', {});
		if (!listed.ok) throw new Error(listed.error);
		expect(listed.conversations.find((c) => c.conversationId === conversationId)?.unread).toBe(1);

		const receipt = next(doctor.socket, 'chat:receipt', (r) => r.conversationId === conversationId && r.userId === nurse.userId);
		expect(await nurse.socket.emitWithAck('chat:receipt', { conversationId, readSeq: 1 })).toEqual({ ok: true });
		expect(await receipt).toEqual({ conversationId, userId: nurse.userId, deliveredSeq: 1, readSeq: 1 });
		const after = await nurse.socket.emitWithAck('chat:conversations', {});
		expect(after.ok && after.conversations.find((c) => c.conversationId === conversationId)?.unread).toBe(0);

		const history = await nurse.socket.emitWithAck('chat:history', { conversationId });
		expect(history).toEqual({ ok: true, messages: [sent.message], hasMore: false });
	});

	it('refuses forged, replayed, reordered, misaddressed, stranger and oversized messages with a reason, and stores none of them', async () => {
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		const { session } = await startSession(doctor, conversationId, [nurse]);
		const sign = doctor.device.keys.signing.secretKey;
		const stored = async () => (await t.database.db.select({ id: chatMessages.id }).from(chatMessages).where(eq(chatMessages.conversationId, conversationId))).length;
		const lastIndex = async () => (await t.database.db.select().from(chatSessions).where(eq(chatSessions.id, session.sessionId)))[0]!.lastIndex;
		const before = await stored();
		const nurseSaw = record(nurse.socket, 'chat:message');

		const first = session.encrypt({ body: 'first', composedAt: 1 }, sign);
		const second = session.encrypt({ body: 'second', composedAt: 2 }, sign);
		const third = session.encrypt({ body: 'third', composedAt: 3 }, sign);
		expect((await send(doctor, first)).ok).toBe(true);
		expect((await send(doctor, third)).ok).toBe(true);
		expect(await stored()).toBe(before + 2);
		const indexAfterGood = await lastIndex();

		const refusals: [string, MessageEnvelope | unknown, string][] = [
			['replayed', first, 'replay'],
			['reordered (an older index after a newer one)', second, 'replay'],
			['forged (ciphertext changed after signing)', { ...session.encrypt({ body: 'x', composedAt: 4 }, sign), ciphertext: session.encrypt({ body: 'y', composedAt: 5 }, sign).ciphertext }, 'bad_signature'],
			['signed by another device', session.encrypt({ body: 'z', composedAt: 6 }, nurse.device.keys.signing.secretKey), 'bad_signature'],
			['oversized', { ...session.encrypt({ body: 'big', composedAt: 7 }, sign), ciphertext: 'A'.repeat(chatLimits.maxCiphertextChars + 1) }, 'too_large']
		];
		for (const [what, envelope, code] of refusals) {
			const reply = await send(doctor, envelope as MessageEnvelope);
			expect(reply, what).toMatchObject({ ok: false, code });
			expect(!reply.ok && reply.error.length > 0, what).toBe(true);
		}

		// A conversation the sender is not in: the front desk tries the care-team thread with a session of its own making.
		const deskSession = OutboundSession.create(conversationId, desk.device.deviceId);
		expect(await send(desk, deskSession.encrypt({ body: 'let me in', composedAt: 8 }, desk.device.keys.signing.secretKey))).toMatchObject({ ok: false, code: 'not_member' });
		expect(await desk.socket.emitWithAck('chat:history', { conversationId })).toMatchObject({ ok: false, code: 'not_member' });
		expect(await desk.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId })).toMatchObject({ ok: false, code: 'forbidden' });

		// The envelope names another conversation (the doctor's group) than the one its session belongs to.
		const group = await doctor.socket.emitWithAck('chat:create', { kind: 'group', memberUserIds: [nurse.userId] });
		if (!group.ok) throw new Error(group.error);
		const moved = signEnvelope({ ...session.encrypt({ body: 'moved', composedAt: 9 }, sign), conversationId: group.conversation.conversationId }, sign);
		expect(await send(doctor, moved)).toMatchObject({ ok: false, code: 'unknown_session' });

		// Malformed payloads: refused as invalid, the connection keeps answering.
		for (const bad of [null, 'text', {}, { envelope: { ...first, index: 'one' } }, { envelope: first, extra: true }]) {
			expect(await (doctor.socket as unknown as Loose).emitWithAck('chat:send', bad)).toMatchObject({ ok: false, code: 'invalid' });
		}
		for (const [event, payload] of [
			['chat:history', { conversationId: 'nope' }],
			['chat:receipt', { conversationId, readSeq: -1 }],
			['chat:create', { kind: 'secret' }],
			['chat:conversations', { extra: 1 }]
		] as const) {
			expect(await (doctor.socket as unknown as Loose).emitWithAck(event, payload), event).toMatchObject({ ok: false, code: 'invalid' });
		}

		expect(await stored()).toBe(before + 2);
		expect(await lastIndex()).toBe(indexAfterGood);
		// A good message still goes through, and it is the next thing the nurse sees after the two good ones.
		const fourth = session.encrypt({ body: 'fourth', composedAt: 10 }, sign);
		const arrives = next(nurse.socket, 'chat:message', (m) => m.envelope.index === fourth.index && m.envelope.sessionId === fourth.sessionId);
		expect((await send(doctor, fourth)).ok).toBe(true);
		await arrives;
		expect(nurseSaw.filter((m) => m.envelope.conversationId === conversationId).map((m) => m.envelope.index)).toEqual([first.index, third.index, fourth.index]);
	});

	it('the patient messages their care team (not the front desk) and cannot reach another patient’s threads', async () => {
		const created = await patient.socket.emitWithAck('chat:create', { kind: 'patient_care', patientId: clinic.patientId });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		expect(created.conversation.members.map((m) => m.userId)).not.toContain(desk.userId);
		const keyArrives = next(doctor.socket, 'keys:to-device', (m) => m.conversationId === conversationId);
		const { session } = await startSession(patient, conversationId, [doctor, nurse]);
		const roomKey = openShare(await keyArrives, doctor, patient);
		const delivered = next(doctor.socket, 'chat:message', (m) => m.envelope.conversationId === conversationId);
		expect((await send(patient, session.encrypt({ body: 'Can I take ibuprofen?', composedAt: 1 }, patient.device.keys.signing.secretKey))).ok).toBe(true);
		expect(decryptEnvelope((await delivered).envelope, roomKey.sessionKey).body).toBe('Can I take ibuprofen?');
		// The patient cannot reach another patient's threads.
		expect(await patient.socket.emitWithAck('chat:create', { kind: 'patient_care', patientId: clinic.otherPatientId })).toMatchObject({ ok: false, code: 'forbidden' });
	});

	it('removing a member raises the epoch: the old session is refused, the new key reaches only those who remain', async () => {
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'group', title: 'Clinic ops', memberUserIds: [nurse.userId, desk.userId] });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		const deskKey = next(desk.socket, 'keys:to-device', (m) => m.conversationId === conversationId);
		const { session: old } = await startSession(doctor, conversationId, [nurse, desk]);
		const oldKey = openShare(await deskKey, desk, doctor);
		const sign = doctor.device.keys.signing.secretKey;
		const deskGetsBefore = next(desk.socket, 'chat:message', (m) => m.envelope.conversationId === conversationId);
		expect((await send(doctor, old.encrypt({ body: 'before', composedAt: 1 }, sign))).ok).toBe(true);
		expect(decryptEnvelope((await deskGetsBefore).envelope, oldKey.sessionKey).body).toBe('before');

		const deskHeard = { messages: record(desk.socket, 'chat:message'), keys: record(desk.socket, 'keys:to-device') };
		const removedNotice = next(desk.socket, 'chat:removed', (r) => r.conversationId === conversationId);
		const changed = next(doctor.socket, 'chat:conversation', (c) => c.conversationId === conversationId && c.keyEpoch === 1);
		const removal = await doctor.socket.emitWithAck('chat:remove-member', { conversationId, userId: desk.userId });
		expect(removal).toMatchObject({ ok: true, conversation: { keyEpoch: 1 } });
		await removedNotice;
		expect((await changed).members.map((m) => m.userId)).not.toContain(desk.userId);

		expect(await send(doctor, old.encrypt({ body: 'after, old key', composedAt: 2 }, sign))).toMatchObject({ ok: false, code: 'stale_session' });
		// The removed member's device can no longer be given a key.
		const refusedShare = await startSession(doctor, conversationId, [nurse, desk]);
		expect(refusedShare.reply.ok).toBe(false);

		const nurseKey = next(nurse.socket, 'keys:to-device', (m) => m.conversationId === conversationId);
		const { session: fresh, reply } = await startSession(doctor, conversationId, [nurse]);
		expect(reply).toMatchObject({ ok: true, keyEpoch: 1 });
		const newKey = openShare(await nurseKey, nurse, doctor);
		const nurseGets = next(nurse.socket, 'chat:message', (m) => m.envelope.sessionId === fresh.sessionId);
		const sent = await send(doctor, fresh.encrypt({ body: 'after removal', composedAt: 3 }, sign));
		if (!sent.ok) throw new Error(sent.error);
		expect(decryptEnvelope((await nurseGets).envelope, newKey.sessionKey).body).toBe('after removal');

		// Nothing of it reached the removed member, and the key they hold does not open it.
		expect(deskHeard.messages).toEqual([]);
		expect(deskHeard.keys).toEqual([]);
		expect(() => decryptEnvelope(sent.message.envelope, oldKey.sessionKey)).toThrow(DecryptionFailed);
		expect(await desk.socket.emitWithAck('chat:history', { conversationId })).toMatchObject({ ok: false, code: 'not_member' });
		const rows = await t.database.db.select().from(chatMessages).where(and(eq(chatMessages.conversationId, conversationId)));
		expect(rows.map((r) => r.seq).sort()).toEqual([1, 2]);
	});

	it('a clinician taken off the care team leaves its threads at once: told over the socket, the epoch raised, history refused', async () => {
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		const epoch = created.conversation.keyEpoch;
		const removed = next(nurse.socket, 'chat:removed', (r) => r.conversationId === conversationId);
		const rotated = next(doctor.socket, 'chat:conversation', (c) => c.conversationId === conversationId && c.keyEpoch === epoch + 1);
		// The administrator's care-team page calls this; the sockets hear of it through the membership events.
		await removeCareTeamMember(t.database.db, clinic.actors.admin, clinic.patientId, clinic.teamNurse.practitionerId!);
		await removed;
		expect((await rotated).members.map((m) => m.userId)).toEqual([doctor.userId]);
		expect(await nurse.socket.emitWithAck('chat:history', { conversationId })).toMatchObject({ ok: false, code: 'not_member' });
		expect(await nurse.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId })).toMatchObject({ ok: false, code: 'forbidden' });
		// Back on the team, back in the thread, from now on.
		const rejoined = next(nurse.socket, 'chat:conversation', (c) => c.conversationId === conversationId);
		await setCareTeamMember(t.database.db, clinic.actors.admin, clinic.patientId, clinic.teamNurse.practitionerId!, 'member');
		expect((await rejoined).myAccess).toBe('post');
	});

	it('retracts a message for everyone and tells the members', async () => {
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'direct', memberUserIds: [nurse.userId] });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		const { session } = await startSession(doctor, conversationId, [nurse]);
		const sent = (await send(doctor, session.encrypt({ body: 'wrong chart', composedAt: 1 }, doctor.device.keys.signing.secretKey))) as Extract<ChatAck<{ message: StoredMessage }>, { ok: true }>;
		expect(await nurse.socket.emitWithAck('chat:retract', { messageId: sent.message.messageId })).toMatchObject({ ok: false, code: 'forbidden' });
		const told = next(nurse.socket, 'chat:retracted', (r) => r.messageId === sent.message.messageId);
		expect(await doctor.socket.emitWithAck('chat:retract', { messageId: sent.message.messageId })).toEqual({ ok: true });
		expect(await told).toEqual({ conversationId, messageId: sent.message.messageId });
		const history = await nurse.socket.emitWithAck('chat:history', { conversationId });
		expect(history.ok && history.messages[0]?.envelope.ciphertext).toBe('');
	});
});
