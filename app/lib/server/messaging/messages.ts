import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatAttachments, chatMessages, chatSessions, conversationMembers, conversations, type ChatMessage, type Conversation } from '../../../../db/schema/index';
import { chatLimits, type MessageEnvelope, type StoredMessage } from '../../chat/protocol';
import { ready } from '../../chat/crypto/sodium';
import { verifyEnvelope } from '../../chat/crypto/envelope';
import type { Actor } from '../access/actor';
import { requireConversationAccess } from '../access/conversation-access';
import { auditAddress, recordAuditEvent } from '../audit/audit-log';
import { ChatRefusal } from './errors';
import { memberUserIds, requireMember } from './conversations';
import { deviceForVerification } from './devices';
import { deleteAttachmentFiles } from './attachment-store';

/**
 * Accepting a message. The server cannot read it, but it checks everything it can see before
 * storing anything: the sender is a member allowed to post, the ciphertext is within the limit,
 * the session is the sending device's own in this conversation and of the current key epoch,
 * the index moves forward, and the sending device's signature covers the envelope. A refusal
 * stores nothing; an accepted message is stored, numbered and audited in one transaction.
 */

const base64Url = /^[A-Za-z0-9_-]+$/;
const maxAttachmentsPerMessage = 10;

const sendSchema = z
	.object({
		envelope: z
			.object({
				conversationId: z.string().uuid('The message names no valid conversation.'),
				senderDeviceId: z.string().uuid('The message names no valid device.'),
				sessionId: z.string().min(1).max(64).regex(base64Url, 'The message’s session id is malformed.'),
				index: z.number().int().min(0).max(2 ** 31 - 1),
				// The length limit is checked after parsing, so an oversized message gets its own code.
				ciphertext: z.string().min(1, 'The message is empty.').regex(base64Url, 'The message’s ciphertext is not base64.'),
				signature: z.string().min(1).max(200).regex(base64Url, 'The message’s signature is malformed.')
			})
			.strict(),
		attachmentIds: z.array(z.string().uuid('An attachment id is malformed.')).max(maxAttachmentsPerMessage, `A message carries at most ${maxAttachmentsPerMessage} attachments.`).optional()
	})
	.strict();

export interface SendContext {
	/** The device this socket claimed (keys:claim-device); only it may sign what the socket sends. */
	claimedDeviceId: string | null | undefined;
}

export interface AcceptedMessage {
	message: StoredMessage;
	conversation: Conversation;
	/** Every member's user id, the sender's included (fan-out). */
	memberIds: string[];
}

/** Bytes a base64 text (unpadded) decodes to. */
export function decodedLength(base64: string): number {
	return Math.floor((base64.length * 3) / 4);
}

export async function acceptMessage(db: Database, actor: Actor, context: SendContext, input: unknown): Promise<AcceptedMessage> {
	// The size first: an oversized frame is refused before any other work.
	const rawCiphertext = (input as { envelope?: { ciphertext?: unknown } } | null)?.envelope?.ciphertext;
	if (typeof rawCiphertext === 'string' && rawCiphertext.length > chatLimits.maxCiphertextChars) {
		throw new ChatRefusal('too_large', `This message is too large to send (at most ${Math.floor((chatLimits.maxCiphertextChars * 3) / 4 / 1024)} KB of text; send a long text as an attachment).`);
	}
	const parsed = sendSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That message is not valid.');
	const envelope: MessageEnvelope = parsed.data.envelope;
	const attachmentIds = [...new Set(parsed.data.attachmentIds ?? [])];

	const { conversation, member } = await requireMember(db, actor, envelope.conversationId);
	if (member.access !== 'post') throw new ChatRefusal('read_only', 'You can read this conversation but not write in it.');

	if (!context.claimedDeviceId || envelope.senderDeviceId !== context.claimedDeviceId) {
		throw new ChatRefusal('bad_signature', 'This message was not signed by this device. Reload the page to set up secure messaging again.');
	}
	// Independent lookups, in parallel: each send waits for one round trip here, not two.
	const [device, [session]] = await Promise.all([
		deviceForVerification(db, envelope.senderDeviceId),
		db.select().from(chatSessions).where(eq(chatSessions.id, envelope.sessionId))
	]);
	if (!device || device.userId !== actor.userId || device.revoked || !device.signed) {
		throw new ChatRefusal('bad_signature', 'This device may not send messages (it is revoked or not approved).');
	}

	if (!session || session.senderDeviceId !== envelope.senderDeviceId || session.senderUserId !== actor.userId) {
		throw new ChatRefusal('unknown_session', 'The server does not know this message’s session. Start a new one.');
	}
	if (session.conversationId !== envelope.conversationId) {
		throw new ChatRefusal('unknown_session', 'This message’s session belongs to another conversation.');
	}
	if (session.keyEpoch < conversation.keyEpoch) {
		throw new ChatRefusal('stale_session', 'The conversation’s members changed: this message must be sent with a new key.');
	}
	if (envelope.index <= session.lastIndex) {
		throw new ChatRefusal('replay', 'This message was already sent, or arrived out of order.');
	}
	await ready();
	if (!verifyEnvelope(envelope, device.signingKey)) {
		throw new ChatRefusal('bad_signature', 'The message’s signature does not match its sending device.');
	}

	// The rules and, for a patient thread, the audited patient check, once the message is otherwise sound.
	await requireConversationAccess(db, actor, conversation, member.access, 'post', 'message.send');

	const [memberIds, attachmentBytes] = await Promise.all([memberUserIds(db, conversation.id), unsentAttachmentBytes(db, actor, conversation.id, attachmentIds)]);
	const byteSize = Math.min(decodedLength(envelope.ciphertext) + attachmentBytes, 2 ** 31 - 1);
	const row = await storeMessage(db, actor, {
		envelope,
		conversation,
		sessionEpoch: session.keyEpoch,
		attachmentIds,
		byteSize,
		recipients: memberIds.filter((id) => id !== actor.userId).length
	});
	return { message: storedMessage(row, actor.displayName), conversation: { ...conversation, lastSeq: row.seq }, memberIds };
}

/** The plaintext-free size of the attachments a message will carry; refuses ids not uploaded by the sender to this conversation, or already sent. */
async function unsentAttachmentBytes(db: Database, actor: Actor, conversationId: string, attachmentIds: string[]): Promise<number> {
	if (attachmentIds.length === 0) return 0;
	const rows = await db
		.select({ byteSize: chatAttachments.byteSize })
		.from(chatAttachments)
		.where(
			and(
				inArray(chatAttachments.id, attachmentIds),
				eq(chatAttachments.conversationId, conversationId),
				eq(chatAttachments.uploadedBy, actor.userId),
				isNull(chatAttachments.messageId)
			)
		);
	if (rows.length !== attachmentIds.length) throw new ChatRefusal('invalid', 'An attachment of this message was not uploaded by you to this conversation, or was already sent.');
	return rows.reduce((sum, a) => sum + a.byteSize, 0);
}

interface MessageWrite {
	envelope: MessageEnvelope;
	conversation: Conversation;
	sessionEpoch: number;
	attachmentIds: string[];
	byteSize: number;
	recipients: number;
}

/**
 * Stores an accepted message in ONE statement, so it is atomic without a transaction held open
 * across round trips: the session's index moves forward (only if it is still behind), the
 * conversation's sequence number is taken (only if its key epoch has not moved past the
 * session's), the message is inserted, its attachments are linked and the audit event (metadata
 * only) is appended — all or nothing. One statement matters because the audit chain's trigger
 * serialises writers on a lock held until commit: inside a multi-statement transaction every
 * message held it across a Node round trip, and under load sends queued behind each other.
 * A replay or an epoch change that races past the checks before leaves no message and no gap.
 */
async function storeMessage(db: Database, actor: Actor, write: MessageWrite): Promise<ChatMessage> {
	const { envelope, conversation } = write;
	const messageId = randomUUID();
	const reason = `bytes=${write.byteSize}; recipients=${write.recipients}`;
	const linkAttachments =
		write.attachmentIds.length > 0
			? sql`, linked as (
				update chat_attachments set message_id = (select id from stored)
				where id in (${sql.join(write.attachmentIds.map((id) => sql`${id}::uuid`), sql`, `)}) and message_id is null and exists (select 1 from stored)
				returning id)`
			: sql``;
	let result: unknown;
	try {
		result = await db.execute(sql`
			with advanced as (
				update chat_sessions set last_index = ${envelope.index}::int
				where id = ${envelope.sessionId}::text and last_index < ${envelope.index}::int
					and exists (select 1 from conversations where id = ${conversation.id}::uuid and key_epoch <= ${write.sessionEpoch}::int)
				returning id
			), numbered as (
				update conversations set last_seq = last_seq + 1, updated_at = now()
				where id = ${conversation.id}::uuid and key_epoch <= ${write.sessionEpoch}::int and exists (select 1 from advanced)
				returning last_seq
			), stored as (
				insert into chat_messages (id, conversation_id, seq, sender_user_id, sender_device_id, session_id, message_index, ciphertext, signature, byte_size)
				select ${messageId}::uuid, ${conversation.id}::uuid, numbered.last_seq, ${actor.userId}::uuid, ${envelope.senderDeviceId}::uuid,
					${envelope.sessionId}::text, ${envelope.index}::int, ${envelope.ciphertext}::text, ${envelope.signature}::text, ${write.byteSize}::int
				from numbered
				returning id, seq, created_at
			), audited as (
				insert into audit_events (actor_user_id, actor_role, action, patient_id, resource_type, resource_id, outcome, source_address, reason, request_id)
				select ${actor.userId}::uuid, ${actor.role}::text, 'message.send', ${conversation.patientId}::uuid, 'conversation', ${conversation.id}::text, 'success',
					${auditAddress(actor.sourceAddress)}::inet, ${reason}::text, ${actor.requestId}::text
				from stored
				returning id
			)${linkAttachments}
			select (select count(*) from advanced)::int as advanced, stored.seq, stored.created_at from (select 1) as one left join stored on true`);
	} catch (error) {
		// The unique (session, index) index: a concurrent send of the same index won.
		if ((error as { code?: string }).code === '23505') throw new ChatRefusal('replay', 'This message was already sent, or arrived out of order.');
		throw error;
	}
	const rows = (result as { rows?: StoreRow[] }).rows ?? (result as StoreRow[]);
	const stored = rows[0];
	if (!stored || stored.seq === null) {
		if (!stored || Number(stored.advanced) === 0) {
			const [session] = await db.select({ lastIndex: chatSessions.lastIndex }).from(chatSessions).where(eq(chatSessions.id, envelope.sessionId));
			if (session && session.lastIndex >= envelope.index) throw new ChatRefusal('replay', 'This message was already sent, or arrived out of order.');
		}
		throw new ChatRefusal('stale_session', 'The conversation’s members changed: this message must be sent with a new key.');
	}
	return {
		id: messageId,
		conversationId: conversation.id,
		seq: Number(stored.seq),
		senderUserId: actor.userId,
		senderDeviceId: envelope.senderDeviceId,
		sessionId: envelope.sessionId,
		messageIndex: envelope.index,
		ciphertext: envelope.ciphertext,
		signature: envelope.signature,
		byteSize: write.byteSize,
		retractedAt: null,
		createdAt: stored.created_at instanceof Date ? stored.created_at : new Date(stored.created_at)
	};
}

interface StoreRow {
	advanced: number;
	seq: number | string | null;
	created_at: Date | string;
}

export function storedMessage(row: ChatMessage, senderDisplayName: string): StoredMessage {
	return {
		messageId: row.id,
		seq: row.seq,
		senderUserId: row.senderUserId,
		senderDisplayName,
		envelope: {
			conversationId: row.conversationId,
			senderDeviceId: row.senderDeviceId,
			sessionId: row.sessionId,
			index: row.messageIndex,
			ciphertext: row.ciphertext ?? '',
			signature: row.signature
		},
		retractedAt: row.retractedAt ? row.retractedAt.toISOString() : null,
		sentAt: row.createdAt.toISOString()
	};
}

const retractSchema = z.object({ messageId: z.string().uuid('That is not a message id.') }).strict();

/**
 * "Deleted for everyone": the sender's own message loses its ciphertext and its attachments
 * (rows and files); its number, sender and time stay so the conversation keeps its order.
 */
export async function retractMessage(db: Database, actor: Actor, dataDir: string, input: unknown): Promise<{ conversationId: string; messageId: string; memberIds: string[] }> {
	const parsed = retractSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That request is not valid.');
	const [message] = await db.select().from(chatMessages).where(eq(chatMessages.id, parsed.data.messageId));
	if (!message) throw new ChatRefusal('not_found', 'That message does not exist.');
	const { conversation } = await requireMember(db, actor, message.conversationId);
	if (message.senderUserId !== actor.userId) throw new ChatRefusal('forbidden', 'You can only delete your own messages.');
	const removedFiles = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		if (!message.retractedAt) await tx.update(chatMessages).set({ ciphertext: null, retractedAt: new Date() }).where(eq(chatMessages.id, message.id));
		const files = await tx.delete(chatAttachments).where(eq(chatAttachments.messageId, message.id)).returning({ id: chatAttachments.id });
		await recordAuditEvent(tx, actor, {
			action: 'message.retract',
			outcome: 'success',
			patientId: conversation.patientId,
			resourceType: 'conversation',
			resourceId: conversation.id,
			reason: `seq=${message.seq}; attachments=${files.length}`
		});
		return files.map((f) => f.id);
	});
	// After the commit: a failed file removal leaves only ciphertext no row refers to.
	if (removedFiles.length > 0) await deleteAttachmentFiles(dataDir, removedFiles);
	const memberIds = (await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversation.id))).map((r) => r.userId);
	return { conversationId: conversation.id, messageId: message.id, memberIds };
}
