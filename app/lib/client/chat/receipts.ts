/**
 * Receipts and unread counts from the per-member markers the server keeps (delivered_seq,
 * read_seq: monotonic). Pure, so the rules are tested without a browser.
 */
import type { ConversationMemberSummary } from '$lib/chat/protocol';
import type { ReceiptState } from './types';

export interface ReceiptInput {
	/** 0 while the message is a local echo the server has not stored yet. */
	seq: number;
	mine: boolean;
	/** A local send that failed. */
	failed?: boolean;
}

/**
 * "read by k of n": n = the other members, k = those whose read marker reached the message.
 * Read once every other member read it, delivered once it was decrypted on a device of every
 * other member, sent once stored. A conversation where I am alone reads "sent" (no one to read it).
 */
export function computeReceipt(message: ReceiptInput, members: readonly ConversationMemberSummary[], myUserId: string): ReceiptState {
	const others = members.filter((member) => member.userId !== myUserId);
	const of = others.length;
	if (message.seq <= 0 || message.failed) return { state: 'sending', readBy: 0, of, deliveredTo: 0 };
	const readBy = others.filter((member) => member.readSeq >= message.seq).length;
	// Read implies delivered even if a delivered marker lags behind (both move forward only).
	const deliveredTo = others.filter((member) => Math.max(member.deliveredSeq, member.readSeq) >= message.seq).length;
	if (of > 0 && readBy === of) return { state: 'read', readBy, of, deliveredTo };
	if (of > 0 && deliveredTo === of) return { state: 'delivered', readBy, of, deliveredTo };
	return { state: 'sent', readBy, of, deliveredTo };
}

/** Moves a member's markers forward only (a late, older receipt event never moves them back). */
export function applyReceipt(
	members: readonly ConversationMemberSummary[],
	receipt: { userId: string; deliveredSeq: number; readSeq: number }
): ConversationMemberSummary[] {
	return members.map((member) =>
		member.userId === receipt.userId
			? { ...member, deliveredSeq: Math.max(member.deliveredSeq, receipt.deliveredSeq), readSeq: Math.max(member.readSeq, receipt.readSeq) }
			: member
	);
}

/** Unread messages I see in a conversation: after my read marker, not mine. */
export function countUnread(messages: readonly { seq: number; mine: boolean }[], myReadSeq: number): number {
	return messages.filter((message) => !message.mine && message.seq > myReadSeq).length;
}

/** The badge: unread messages of conversations that are not muted. */
export function totalUnread(conversations: readonly { unread: number; muted: boolean }[]): number {
	return conversations.reduce((sum, conversation) => sum + (conversation.muted ? 0 : Math.max(0, conversation.unread)), 0);
}
