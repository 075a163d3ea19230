import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { conversationMembers } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { ChatRefusal } from './errors';
import { conversationIdSchema, requireMember } from './conversations';

/**
 * Receipts: each member's delivered and read markers, sequence numbers that only move forward
 * (a late or duplicated receipt never moves one back) and never past the conversation's last
 * message. Read implies delivered. "Read by k of n" is the others whose read marker reached a
 * message (the browser counts it from the members' markers).
 */

const seqField = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const receiptSchema = z
	.object({ conversationId: conversationIdSchema, deliveredSeq: seqField.optional(), readSeq: seqField.optional() })
	.strict()
	.refine((r) => r.deliveredSeq !== undefined || r.readSeq !== undefined, 'Say which message was delivered or read.');

export interface ReceiptMarkers {
	conversationId: string;
	userId: string;
	deliveredSeq: number;
	readSeq: number;
	/** Whether either marker moved (others are told only then). */
	moved: boolean;
	memberIds: string[];
}

export async function recordReceipt(db: Database, actor: Actor, input: unknown): Promise<ReceiptMarkers> {
	const parsed = receiptSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That receipt is not valid.');
	const { conversationId } = parsed.data;
	const { conversation, member } = await requireMember(db, actor, conversationId);
	const readSeq = parsed.data.readSeq ?? 0;
	const deliveredSeq = Math.max(parsed.data.deliveredSeq ?? 0, readSeq);
	if (deliveredSeq > conversation.lastSeq) throw new ChatRefusal('invalid', 'That message does not exist yet.');
	const [updated] = await db
		.update(conversationMembers)
		.set({
			deliveredSeq: sql`greatest(${conversationMembers.deliveredSeq}, ${deliveredSeq})`,
			readSeq: sql`greatest(${conversationMembers.readSeq}, ${readSeq})`,
			updatedAt: new Date()
		})
		.where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, actor.userId)))
		.returning({ deliveredSeq: conversationMembers.deliveredSeq, readSeq: conversationMembers.readSeq });
	if (!updated) throw new ChatRefusal('not_member', 'You are not in this conversation.');
	const memberIds = (await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId))).map((r) => r.userId);
	return {
		conversationId,
		userId: actor.userId,
		deliveredSeq: Number(updated.deliveredSeq),
		readSeq: Number(updated.readSeq),
		moved: Number(updated.deliveredSeq) !== member.deliveredSeq || Number(updated.readSeq) !== member.readSeq,
		memberIds
	};
}
