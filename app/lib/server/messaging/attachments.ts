import { randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatAttachments, chatMessages } from '../../../../db/schema/index';
import { chatLimits } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import type { AppConfig } from '../platform/config';
import { recordAuditEvent } from '../audit/audit-log';
import { AttachmentTooLarge, deleteAttachmentFiles, discardBody, openAttachmentFile, writeAttachmentFile } from './attachment-store';
import { requireMember } from './conversations';
import { requireConversationAccess } from '../access/conversation-access';
import { ChatRefusal } from './errors';

/**
 * Encrypted attachments: a member who may post uploads ciphertext (encrypted in the browser with
 * a key that travels inside the message), and members who can see the message download it. The
 * server knows the conversation, the uploader and the size, nothing else. Audit events carry
 * sizes only.
 */

export interface AttachmentOptions {
	dataDir: string;
	/** The plaintext limit (CHAT_MAX_ATTACHMENT_MB); the ciphertext limit follows from it. */
	maxPlaintextBytes: number;
}

/** The attachment options from the app's configuration (CHAT_MAX_ATTACHMENT_MB, DATA_DIR). */
export function attachmentOptionsFrom(config: Pick<AppConfig, 'dataDir' | 'chat'>): AttachmentOptions {
	return { dataDir: config.dataDir, maxPlaintextBytes: config.chat.maxAttachmentBytes };
}

/** secretstream adds 17 bytes per chunk (tag + MAC); 64 more bytes of slack. */
export function attachmentCiphertextLimit(maxPlaintextBytes: number): number {
	return maxPlaintextBytes + Math.ceil(maxPlaintextBytes / chatLimits.attachmentChunkBytes) * 17 + 64;
}

/** The smallest secretstream ciphertext: one empty final chunk. */
const minCiphertextBytes = 17;

function tooLarge(maxPlaintextBytes: number): ChatRefusal {
	return new ChatRefusal('too_large', `Attachments can be at most ${Math.floor(maxPlaintextBytes / (1024 * 1024))} MB.`);
}

/**
 * Stores one encrypted attachment for a conversation. A declared length over the limit is
 * refused before a byte is read; a body that turns out larger stops at the limit and leaves no
 * file. The row is written only after the file is complete, and the file removed if the row fails.
 */
export async function uploadAttachment(
	db: Database,
	actor: Actor,
	options: AttachmentOptions,
	input: { conversationId: unknown; body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null; declaredLength: number | null }
): Promise<{ attachmentId: string; byteSize: number }> {
	const conversationId = z.string().uuid().safeParse(input.conversationId);
	if (!conversationId.success) throw new ChatRefusal('invalid', 'Name the conversation the attachment is for (?conversationId=).');
	const { member, conversation } = await requireMember(db, actor, conversationId.data);
	if (member.access !== 'post') throw new ChatRefusal('read_only', 'You can read this conversation but not send attachments to it.');
	await requireConversationAccess(db, actor, conversation, member.access, 'post', 'chat.attachment_upload');
	const limit = attachmentCiphertextLimit(options.maxPlaintextBytes);
	if (!input.body) throw new ChatRefusal('invalid', 'The request has no body: send the encrypted file’s bytes.');
	if (input.declaredLength !== null && input.declaredLength > limit) {
		// Nothing is written. A body up to twice the limit is read and dropped so the browser sees the 413.
		if (input.declaredLength <= limit * 2) await discardBody(input.body, limit * 2);
		throw tooLarge(options.maxPlaintextBytes);
	}

	const attachmentId = randomUUID();
	let byteSize: number;
	try {
		byteSize = await writeAttachmentFile(options.dataDir, attachmentId, input.body, limit);
	} catch (error) {
		if (error instanceof AttachmentTooLarge) throw tooLarge(options.maxPlaintextBytes);
		throw error;
	}
	try {
		if (byteSize < minCiphertextBytes) throw new ChatRefusal('invalid', 'That is not an encrypted attachment: it is too short.');
		await db.insert(chatAttachments).values({ id: attachmentId, conversationId: conversation.id, uploadedBy: actor.userId, byteSize });
	} catch (error) {
		await deleteAttachmentFiles(options.dataDir, [attachmentId]);
		throw error;
	}
	await recordAuditEvent(db, actor, {
		action: 'chat.attachment_upload',
		outcome: 'success',
		resourceType: 'chat_attachment',
		resourceId: attachmentId,
		patientId: conversation.patientId,
		reason: `bytes=${byteSize}`
	});
	return { attachmentId, byteSize };
}

/**
 * Opens an attachment's ciphertext for a member who can see its message: one sent after they
 * joined and not deleted. Before it is sent, only its uploader may fetch it.
 */
export async function openAttachment(db: Database, actor: Actor, dataDir: string, attachmentId: string): Promise<{ size: number; stream: ReadStream }> {
	const notFound = new ChatRefusal('not_found', 'There is no attachment at this address.');
	if (!z.string().uuid().safeParse(attachmentId).success) throw notFound;
	const [row] = await db
		.select({ attachment: chatAttachments, seq: chatMessages.seq, retractedAt: chatMessages.retractedAt })
		.from(chatAttachments)
		.leftJoin(chatMessages, eq(chatMessages.id, chatAttachments.messageId))
		.where(eq(chatAttachments.id, attachmentId));
	if (!row) throw notFound;
	const { member, conversation } = await requireMember(db, actor, row.attachment.conversationId);
	// The membership row may outlive the relationship behind it (a grant that expired unnoticed):
	// re-check now, which also puts this read in the patient's audit trail.
	await requireConversationAccess(db, actor, conversation, member.access, 'read', 'chat.attachment_download');
	const visible =
		row.attachment.messageId === null
			? row.attachment.uploadedBy === actor.userId
			: row.seq !== null && row.seq > member.joinedSeq && row.retractedAt === null;
	if (!visible) {
		await recordAuditEvent(db, actor, {
			action: 'chat.attachment_download',
			outcome: 'denied',
			resourceType: 'chat_attachment',
			resourceId: attachmentId,
			patientId: conversation.patientId
		});
		throw notFound;
	}
	const file = await openAttachmentFile(dataDir, attachmentId);
	if (!file) throw new ChatRefusal('not_found', 'This attachment’s file is gone (it may have passed the clinic’s retention period).');
	try {
		await recordAuditEvent(db, actor, {
			action: 'chat.attachment_download',
			outcome: 'success',
			resourceType: 'chat_attachment',
			resourceId: attachmentId,
			patientId: conversation.patientId,
			reason: `bytes=${file.size}`
		});
	} catch (error) {
		// No audit event, no bytes.
		file.stream.destroy();
		throw error;
	}
	return file;
}
