import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatAttachments, chatClinicSettings, chatMessages } from '../../../../db/schema/index';
import { createConversation } from './conversations';
import { acceptMessage } from './messages';
import { purgeExpiredMessages, startRetentionWorker } from './retention';
import { attachmentPath, writeAttachmentFile } from './attachment-store';
import { createLogger } from '../platform/logger';
import { createChatTestClinic, createTestDevice, createTestSession, type ChatTestClinic } from './testing';

const day = 86_400_000;

describe.each(testDatabaseKinds)('the retention period deletes old messages and their attachment files (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: ChatTestClinic;
	let dataDir: string;
	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createChatTestClinic(database.db);
		dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-retention-'));
	});
	afterAll(async () => {
		await database?.drop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('keeps everything without a period, then purges messages and files older than it, and unsent uploads after a day', async () => {
		const { db } = database;
		const doctor = clinic.actors.teamPhysician;
		const device = await createTestDevice(db, doctor.userId);
		const group = (await createConversation(db, doctor, { kind: 'group', memberUserIds: [clinic.actors.outsideNurse.userId] })).conversation;
		const session = await createTestSession(db, device, group.id);
		const upload = async (createdAt: Date) => {
			const id = crypto.randomUUID();
			const size = await writeAttachmentFile(dataDir, id, (async function* () {
				yield new Uint8Array([1, 2, 3, 4]);
			})(), 1024);
			await db.insert(chatAttachments).values({ id, conversationId: group.id, uploadedBy: doctor.userId, byteSize: size, createdAt });
			return id;
		};
		const send = async (attachmentIds: string[] = []) =>
			(await acceptMessage(db, doctor, { claimedDeviceId: device.deviceId }, { envelope: session.encrypt({ body: 'x', composedAt: 0 }, device.keys.signing.secretKey), attachmentIds })).message.messageId;

		const oldFile = await upload(new Date());
		const oldMessage = await send([oldFile]);
		const newFile = await upload(new Date());
		const newMessage = await send([newFile]);
		const staleUpload = await upload(new Date(Date.now() - 2 * day));
		const freshUpload = await upload(new Date());
		// The first message was sent 40 days ago.
		await db.update(chatMessages).set({ createdAt: new Date(Date.now() - 40 * day) }).where(eq(chatMessages.id, oldMessage));
		await db.update(chatAttachments).set({ createdAt: new Date(Date.now() - 40 * day) }).where(eq(chatAttachments.id, oldFile));

		// No retention period: only the upload never sent within a day goes.
		expect(await purgeExpiredMessages(db, dataDir)).toEqual({ messages: 0, attachments: 1 });
		expect(existsSync(attachmentPath(dataDir, staleUpload))).toBe(false);

		await db.insert(chatClinicSettings).values({ id: 1, retentionDays: 30 }).onConflictDoUpdate({ target: chatClinicSettings.id, set: { retentionDays: 30 } });
		const worker = startRetentionWorker({ db, logger: createLogger('silent'), dataDir, intervalMs: 3_600_000 });
		try {
			expect(await worker.tick()).toEqual({ messages: 1, attachments: 1 });
		} finally {
			await worker.stop();
		}
		const messages = (await db.select({ id: chatMessages.id }).from(chatMessages)).map((m) => m.id);
		expect(messages).toEqual([newMessage]);
		const attachments = (await db.select({ id: chatAttachments.id }).from(chatAttachments)).map((a) => a.id).sort();
		expect(attachments).toEqual([newFile, freshUpload].sort());
		expect(existsSync(attachmentPath(dataDir, oldFile))).toBe(false);
		expect(existsSync(attachmentPath(dataDir, newFile))).toBe(true);
		expect(existsSync(attachmentPath(dataDir, freshUpload))).toBe(true);
		const purges = await db.select().from(auditEvents).where(eq(auditEvents.action, 'chat.retention_purge'));
		expect(purges.map((p) => p.reason)).toEqual(['messages=0; attachments=1; retention_days=none', 'messages=1; attachments=1; retention_days=30']);
	});
});
