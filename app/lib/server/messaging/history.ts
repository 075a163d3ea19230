import { and, desc, eq, gt, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatMessages, users } from '../../../../db/schema/index';
import { chatLimits, type StoredMessage } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { requireConversationAccess } from '../access/conversation-access';
import { ChatRefusal } from './errors';
import { conversationIdSchema, requireMember } from './conversations';
import { storedMessage } from './messages';

/**
 * A conversation's history, newest first, a page at a time. A member sees only what was sent
 * after they joined (joined_seq); a message deleted for everyone comes back with its place and
 * sender but an empty ciphertext. Opening a patient thread's history passes authorizePatient,
 * audited as message.history.
 */

const historySchema = z
	.object({
		conversationId: conversationIdSchema,
		beforeSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
		limit: z.number().int().min(1).max(chatLimits.historyPageSize).optional()
	})
	.strict();

export async function loadHistory(db: Database, actor: Actor, input: unknown): Promise<{ messages: StoredMessage[]; hasMore: boolean }> {
	const parsed = historySchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That history request is not valid.');
	const { conversationId, beforeSeq } = parsed.data;
	const limit = parsed.data.limit ?? chatLimits.historyPageSize;
	const { conversation, member } = await requireMember(db, actor, conversationId);
	await requireConversationAccess(db, actor, conversation, member.access, 'read', 'message.history');
	const rows = await db
		.select({ message: chatMessages, senderName: users.displayName })
		.from(chatMessages)
		.leftJoin(users, eq(users.id, chatMessages.senderUserId))
		.where(
			and(
				eq(chatMessages.conversationId, conversationId),
				gt(chatMessages.seq, member.joinedSeq),
				beforeSeq !== undefined ? lt(chatMessages.seq, beforeSeq) : undefined
			)
		)
		.orderBy(desc(chatMessages.seq))
		.limit(limit + 1);
	const page = rows.slice(0, limit);
	return {
		messages: page.map((r) => storedMessage(r.message, r.senderName ?? 'Former user')),
		hasMore: rows.length > limit
	};
}
