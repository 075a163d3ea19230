import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { chatAttachments, chatMessages, chatSessions } from '../../../../db/schema/index';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { attachmentCiphertextLimit, openAttachment, uploadAttachment } from './attachments';
import { attachmentDirectory, deleteAttachmentFiles } from './attachment-store';
import { insertConversation, keyedPerson, type KeyedPerson } from './keys-testing';

const refusal = (code: string) => expect.objectContaining({ name: 'ChatRefusal', code });

async function* chunks(total: number, size = 10_000): AsyncGenerator<Uint8Array> {
	for (let sent = 0; sent < total; sent += size) yield new Uint8Array(Math.min(size, total - sent)).fill(7);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<number> {
	let n = 0;
	for await (const chunk of stream) n += (chunk as Buffer).length;
	return n;
}

describe.each(testDatabaseKinds)('encrypted attachment storage and visibility (%s)', (kind) => {
	let t: TestDatabase;
	let clinic: TestClinic;
	let dataDir: string;
	let ruiz: KeyedPerson;
	let conversationId: string;
	const options = () => ({ dataDir, maxPlaintextBytes: 100_000 });

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		clinic = await createTestClinic(t.db);
		dataDir = mkdtempSync(path.join(tmpdir(), 'chat-attachments-test-'));
		ruiz = await keyedPerson(t.db, clinic.actors.teamPhysician);
		conversationId = await insertConversation(t.db, 'group', [
			{ userId: ruiz.actor.userId },
			{ userId: clinic.actors.outsideNurse.userId, joinedSeq: 5 },
			{ userId: clinic.actors.frontDesk.userId, access: 'read' },
			{ userId: clinic.actors.outsidePhysician.userId }
		]);
	});
	afterAll(async () => {
		await t?.drop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	/** Sends a message that carries the attachment, at sequence `seq`. */
	const attachToMessage = async (attachmentId: string, seq: number) => {
		const sessionId = `s${seq}`.padEnd(22, 'x');
		await t.db.insert(chatSessions).values({ id: sessionId, conversationId, senderDeviceId: ruiz.device.deviceId, senderUserId: ruiz.actor.userId, keyEpoch: 0 }).onConflictDoNothing();
		const [message] = await t.db
			.insert(chatMessages)
			.values({ conversationId, seq, senderUserId: ruiz.actor.userId, senderDeviceId: ruiz.device.deviceId, sessionId, messageIndex: 0, ciphertext: 'AAAA', signature: 'AAAA', byteSize: 3 })
			.returning();
		await t.db.update(chatAttachments).set({ messageId: message!.id }).where(eq(chatAttachments.id, attachmentId));
		return message!.id;
	};

	it('streams an upload to disk and lets members who can see its message download it', async () => {
		const { attachmentId, byteSize } = await uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(55_555), declaredLength: null });
		expect(byteSize).toBe(55_555);
		expect(readdirSync(attachmentDirectory(dataDir))).toEqual([attachmentId]);
		// Unsent: the uploader only.
		await expect(openAttachment(t.db, clinic.actors.outsidePhysician, dataDir, attachmentId)).rejects.toEqual(refusal('not_found'));
		expect(await readAll((await openAttachment(t.db, ruiz.actor, dataDir, attachmentId)).stream)).toBe(55_555);

		const messageId = await attachToMessage(attachmentId, 3);
		expect(await readAll((await openAttachment(t.db, clinic.actors.outsidePhysician, dataDir, attachmentId)).stream)).toBe(55_555);
		// Read-only members read; a member who joined after the message does not; a non-member is refused.
		const forReader = await openAttachment(t.db, clinic.actors.frontDesk, dataDir, attachmentId);
		forReader.stream.destroy();
		expect(forReader.size).toBe(55_555);
		await expect(openAttachment(t.db, clinic.actors.outsideNurse, dataDir, attachmentId)).rejects.toEqual(refusal('not_found'));
		await expect(openAttachment(t.db, clinic.actors.admin, dataDir, attachmentId)).rejects.toEqual(refusal('not_member'));

		// Deleted for everyone: gone for everyone.
		await t.db.update(chatMessages).set({ retractedAt: new Date(), ciphertext: null }).where(eq(chatMessages.id, messageId));
		await expect(openAttachment(t.db, clinic.actors.outsidePhysician, dataDir, attachmentId)).rejects.toEqual(refusal('not_found'));
	});

	it('refuses read-only members, oversized bodies and bad ids, leaving no file or row', async () => {
		const before = readdirSync(attachmentDirectory(dataDir)).sort();
		const rows = async () => (await t.db.select().from(chatAttachments)).length;
		const rowsBefore = await rows();
		const limit = attachmentCiphertextLimit(100_000);
		await expect(uploadAttachment(t.db, clinic.actors.frontDesk, options(), { conversationId, body: chunks(100), declaredLength: 100 })).rejects.toEqual(refusal('read_only'));
		await expect(uploadAttachment(t.db, clinic.actors.admin, options(), { conversationId, body: chunks(100), declaredLength: 100 })).rejects.toEqual(refusal('not_member'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(limit + 1), declaredLength: limit + 1 })).rejects.toEqual(refusal('too_large'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(limit + 1), declaredLength: null })).rejects.toEqual(refusal('too_large'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(limit * 5), declaredLength: null })).rejects.toEqual(refusal('too_large'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(10), declaredLength: null })).rejects.toEqual(refusal('invalid'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId: '../etc', body: chunks(100), declaredLength: null })).rejects.toEqual(refusal('invalid'));
		await expect(uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: null, declaredLength: null })).rejects.toEqual(refusal('invalid'));
		await expect(openAttachment(t.db, ruiz.actor, dataDir, '../../etc/passwd')).rejects.toEqual(refusal('not_found'));
		expect(readdirSync(attachmentDirectory(dataDir)).sort()).toEqual(before);
		expect(await rows()).toBe(rowsBefore);
	});

	it('retention removes files; a missing file is a plain not-found', async () => {
		const { attachmentId } = await uploadAttachment(t.db, ruiz.actor, options(), { conversationId, body: chunks(1000), declaredLength: 1000 });
		expect(await deleteAttachmentFiles(dataDir, [attachmentId, 'not-a-uuid', crypto.randomUUID()])).toBe(1);
		expect(readdirSync(attachmentDirectory(dataDir))).not.toContain(attachmentId);
		await expect(openAttachment(t.db, ruiz.actor, dataDir, attachmentId)).rejects.toEqual(refusal('not_found'));
	});
});
