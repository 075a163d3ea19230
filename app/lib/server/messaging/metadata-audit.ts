import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatMessages, conversationMembers, conversations, users } from '../../../../db/schema/index';
import type { MessageMetadata } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { ChatRefusal } from './errors';

/**
 * The metadata audit: who wrote in which conversation, when, to how many people and how much —
 * never content (the server has none to show). For those who may view the audit trail; every
 * look is itself audited as chat.metadata_view.
 */

export const metadataFilterSchema = z
	.object({
		/** Inclusive, ISO date or date-time. */
		from: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
		/** Exclusive. */
		to: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
		conversationId: z.string().uuid('That is not a conversation id.').optional(),
		limit: z.number().int().min(1).max(500).optional(),
		offset: z.number().int().min(0).max(1_000_000).optional()
	})
	.strict();
export type MetadataFilter = z.infer<typeof metadataFilterSchema>;

export async function listMessageMetadata(db: Database, actor: Actor, input: unknown): Promise<{ rows: MessageMetadata[]; hasMore: boolean }> {
	try {
		requirePermission(actor, 'audit.view');
	} catch (error) {
		if (error instanceof AccessDenied) {
			await recordAuditEvent(db, actor, { action: 'chat.metadata_view', outcome: 'denied', resourceType: 'conversation', reason: 'role may not view the audit trail' });
		}
		throw error;
	}
	const parsed = metadataFilterSchema.safeParse(input ?? {});
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That filter is not valid.');
	const { from, to, conversationId } = parsed.data;
	const limit = parsed.data.limit ?? 100;
	const recipients = db
		.select({ conversationId: conversationMembers.conversationId, count: sql<number>`count(*)::int`.as('member_count') })
		.from(conversationMembers)
		.groupBy(conversationMembers.conversationId)
		.as('member_counts');
	const rows = await db
		.select({
			messageId: chatMessages.id,
			conversationId: chatMessages.conversationId,
			conversationKind: conversations.kind,
			senderUserId: chatMessages.senderUserId,
			senderName: users.displayName,
			memberCount: recipients.count,
			byteSize: chatMessages.byteSize,
			sentAt: chatMessages.createdAt,
			retractedAt: chatMessages.retractedAt
		})
		.from(chatMessages)
		.innerJoin(conversations, eq(conversations.id, chatMessages.conversationId))
		.leftJoin(users, eq(users.id, chatMessages.senderUserId))
		.leftJoin(recipients, eq(recipients.conversationId, chatMessages.conversationId))
		.where(
			and(
				from ? gte(chatMessages.createdAt, new Date(from)) : undefined,
				to ? lt(chatMessages.createdAt, new Date(to)) : undefined,
				conversationId ? eq(chatMessages.conversationId, conversationId) : undefined
			)
		)
		.orderBy(desc(chatMessages.createdAt), desc(chatMessages.seq))
		.limit(limit + 1)
		.offset(parsed.data.offset ?? 0);
	await recordAuditEvent(db, actor, {
		action: 'chat.metadata_view',
		outcome: 'success',
		resourceType: 'conversation',
		resourceId: conversationId,
		reason: `from=${from ?? '-'}; to=${to ?? '-'}; rows=${Math.min(rows.length, limit)}`
	});
	return {
		rows: rows.slice(0, limit).map((r) => ({
			messageId: r.messageId,
			conversationId: r.conversationId,
			conversationKind: r.conversationKind,
			senderUserId: r.senderUserId,
			senderName: r.senderName ?? 'Former user',
			// Members now, less the sender: who can read it (membership at send time is in the message.send audit event).
			recipientCount: Math.max(0, Number(r.memberCount ?? 0) - 1),
			byteSize: r.byteSize,
			sentAt: r.sentAt.toISOString(),
			retracted: r.retractedAt !== null
		})),
		hasMore: rows.length > limit
	};
}
