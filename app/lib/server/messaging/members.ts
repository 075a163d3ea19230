import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { conversationMembers, conversations, memberAccessLevels, type Conversation, type MemberAccess } from '../../../../db/schema/index';
import { chatLimits } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { derivedMembers, isPatientThread, personById, requireConversationAccess, ruleAccess } from '../access/conversation-access';
import { recordAuditEvent } from '../audit/audit-log';
import { getRuntime, hasRuntime } from '../platform/runtime';
import { ChatRefusal } from './errors';
import { loadConversation, patientThreadsOf, requireMember } from './conversations';

// Defined here rather than imported: conversations.ts imports this module, and a schema read at
// load time through that cycle would not exist yet.
const conversationIdSchema = z.string({ error: 'Name the conversation.' }).uuid('That is not a conversation id.');
const memberAccessSchema = z.enum(memberAccessLevels);

/**
 * Who is in a conversation. Removing anyone raises the conversation's key epoch in the same
 * transaction, so every sender must start a new session shared only with those who remain: a
 * removed member cannot read what is sent afterwards. Joining needs no new epoch (a newcomer
 * gets keys from now on and sees only messages after joined_seq).
 *
 * Patient threads are not edited by hand: their members follow the care team and proxy grants
 * (syncPatientThreadMembers). Every change is announced on an in-process bus so the socket
 * server can tell the people concerned, whichever copy of this module made it.
 */

export interface MembershipChange {
	conversationId: string;
	added: string[];
	removed: string[];
	/** Members whose access level changed. */
	changed: string[];
}
export type MembershipListener = (change: MembershipChange) => void;

const busKey = Symbol.for('clinicsync.chat-membership');
type BusHolder = { [busKey]?: Set<MembershipListener> };
const listeners = () => ((globalThis as BusHolder)[busKey] ??= new Set());

/** Subscribes to membership changes; returns the unsubscribe function. */
export function onMembershipChange(listener: MembershipListener): () => void {
	listeners().add(listener);
	return () => {
		listeners().delete(listener);
	};
}

/** Tells subscribers after a change has committed; one failing subscriber does not stop the others. */
export function emitMembershipChange(change: MembershipChange): void {
	if (change.added.length + change.removed.length + change.changed.length === 0) return;
	for (const listener of [...listeners()]) {
		try {
			listener(change);
		} catch (error) {
			if (hasRuntime()) getRuntime().logger.error({ conversationId: change.conversationId, err: { name: (error as Error).name, message: (error as Error).message } }, 'membership subscriber failed');
		}
	}
}

const addMembersSchema = z
	.object({
		conversationId: conversationIdSchema,
		userIds: z.array(z.string().uuid('Choose people from the list.')).min(1, 'Choose at least one person.').max(chatLimits.maxGroupMembers),
		access: memberAccessSchema.optional()
	})
	.strict();
const removeMemberSchema = z.object({ conversationId: conversationIdSchema, userId: z.string().uuid('Choose a member.') }).strict();

/** Adds staff to a group (or as viewers); refuses anyone the rules keep out. Returns who was added. */
export async function addMembers(db: Database, actor: Actor, input: unknown): Promise<{ conversation: Conversation; added: string[] }> {
	const parsed = addMembersSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That request is not valid.');
	const { conversationId, userIds } = parsed.data;
	const requested: MemberAccess = parsed.data.access ?? 'post';
	const { conversation, member } = await requireMember(db, actor, conversationId);
	if (conversation.kind === 'direct') throw new ChatRefusal('invalid', 'A direct conversation is between two people; start a group to add more.');
	if (isPatientThread(conversation.kind)) throw new ChatRefusal('forbidden', 'Who is in a patient thread follows the care team and the patient’s grants.');
	await requireConversationAccess(db, actor, conversation, member.access, 'post', 'conversation.member_add');
	const current = new Set(await memberUserIdsOf(db, conversationId));
	const fresh = [...new Set(userIds)].filter((id) => !current.has(id));
	if (current.size + fresh.length > chatLimits.maxGroupMembers) throw new ChatRefusal('invalid', `A group has at most ${chatLimits.maxGroupMembers} people.`);
	for (const userId of fresh) {
		const person = await personById(db, userId);
		if (!person || !person.active || (await ruleAccess(db, conversation, person)) === null) throw new ChatRefusal('forbidden', 'Only clinic staff can join a staff conversation.');
	}
	if (fresh.length === 0) return { conversation, added: [] };
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [{ lastSeq }] = (await tx.select({ lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversationId)).for('update')) as [{ lastSeq: number }];
		await tx.insert(conversationMembers).values(fresh.map((userId) => ({ conversationId, userId, access: requested, joinedSeq: lastSeq, deliveredSeq: lastSeq, readSeq: lastSeq })));
		await tx.update(conversations).set({ updatedAt: new Date() }).where(eq(conversations.id, conversationId));
		await recordAuditEvent(tx, actor, { action: 'conversation.member_add', outcome: 'success', resourceType: 'conversation', resourceId: conversationId, reason: `added=${fresh.length}; access=${requested}` });
	});
	emitMembershipChange({ conversationId, added: fresh, removed: [], changed: [] });
	return { conversation: (await loadConversation(db, conversationId))!, added: fresh };
}

/**
 * Removes a member of a group: oneself (leaving), or anyone when the actor started the group or
 * administers the clinic. The key epoch rises in the same transaction.
 */
export async function removeMember(db: Database, actor: Actor, input: unknown): Promise<{ conversation: Conversation }> {
	const parsed = removeMemberSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That request is not valid.');
	const { conversationId, userId } = parsed.data;
	const { conversation } = await requireMember(db, actor, conversationId);
	if (conversation.kind === 'direct') throw new ChatRefusal('invalid', 'A direct conversation keeps its two people.');
	if (isPatientThread(conversation.kind)) throw new ChatRefusal('forbidden', 'Who is in a patient thread follows the care team and the patient’s grants.');
	const self = userId === actor.userId;
	if (!self && conversation.createdBy !== actor.userId && actor.role !== 'clinic_admin') {
		throw new ChatRefusal('forbidden', 'Only the person who started the group can remove others.');
	}
	const removed = await removeMembersNow(db, conversationId, [userId], actor, 'removed');
	if (removed.length === 0) throw new ChatRefusal('not_found', 'That person is not in this conversation.');
	return { conversation: (await loadConversation(db, conversationId))! };
}

/** Deletes the members and raises the epoch in one transaction; returns who was removed. */
async function removeMembersNow(db: Database, conversationId: string, userIds: string[], actor: Actor | null, reason: string): Promise<string[]> {
	if (userIds.length === 0) return [];
	const removed = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const deleted = await tx
			.delete(conversationMembers)
			.where(and(eq(conversationMembers.conversationId, conversationId), inArray(conversationMembers.userId, userIds)))
			.returning({ userId: conversationMembers.userId });
		if (deleted.length === 0) return [];
		await tx
			.update(conversations)
			.set({ keyEpoch: sql`${conversations.keyEpoch} + 1`, updatedAt: new Date() })
			.where(eq(conversations.id, conversationId));
		const [conversation] = await tx.select({ patientId: conversations.patientId }).from(conversations).where(eq(conversations.id, conversationId));
		await recordAuditEvent(tx, actor, {
			action: 'conversation.member_remove',
			outcome: 'success',
			patientId: conversation?.patientId ?? null,
			resourceType: 'conversation',
			resourceId: conversationId,
			reason: `${reason}; removed=${deleted.length}`
		});
		return deleted.map((d) => d.userId);
	});
	if (removed.length > 0) emitMembershipChange({ conversationId, added: [], removed, changed: [] });
	return removed;
}

/**
 * Re-derives the members of every thread about this patient from the access rules: newcomers
 * join from now on, those who lost their relationship leave (and the epoch rises), access levels
 * follow the rules. Idempotent; call it whenever a care team or a proxy grant changes.
 */
export async function syncPatientThreadMembers(db: Database, patientId: string): Promise<MembershipChange[]> {
	const changes: MembershipChange[] = [];
	for (const conversation of await patientThreadsOf(db, patientId)) changes.push(await syncConversationMembers(db, conversation));
	return changes;
}

/** One patient thread's members brought in line with the rules (direct and group threads are left alone). */
export async function syncConversationMembers(db: Database, conversation: Conversation): Promise<MembershipChange> {
	const change: MembershipChange = { conversationId: conversation.id, added: [], removed: [], changed: [] };
	if (!isPatientThread(conversation.kind)) return change;
	const wanted = await derivedMembers(db, conversation);
	const current = await db
		.select({ userId: conversationMembers.userId, access: conversationMembers.access })
		.from(conversationMembers)
		.where(eq(conversationMembers.conversationId, conversation.id));
	const currentBy = new Map(current.map((m) => [m.userId, m.access]));
	const toAdd = [...wanted].filter(([userId]) => !currentBy.has(userId));
	const toChange = [...wanted].filter(([userId, access]) => currentBy.has(userId) && currentBy.get(userId) !== access);
	const toRemove = current.filter((m) => !wanted.has(m.userId)).map((m) => m.userId);

	if (toAdd.length > 0 || toChange.length > 0) {
		await db.transaction(async (transaction) => {
			const tx = transaction as unknown as Database;
			const [{ lastSeq }] = (await tx.select({ lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id)).for('update')) as [{ lastSeq: number }];
			if (toAdd.length > 0) {
				const inserted = await tx
					.insert(conversationMembers)
					.values(toAdd.map(([userId, access]) => ({ conversationId: conversation.id, userId, access, joinedSeq: lastSeq, deliveredSeq: lastSeq, readSeq: lastSeq })))
					.onConflictDoNothing()
					.returning({ userId: conversationMembers.userId });
				change.added = inserted.map((r) => r.userId);
				if (inserted.length > 0) {
					await recordAuditEvent(tx, null, {
						action: 'conversation.member_add',
						outcome: 'success',
						patientId: conversation.patientId,
						resourceType: 'conversation',
						resourceId: conversation.id,
						reason: `derived from access rules; added=${inserted.length}`
					});
				}
			}
			for (const [userId, access] of toChange) {
				await tx
					.update(conversationMembers)
					.set({ access, updatedAt: new Date() })
					.where(and(eq(conversationMembers.conversationId, conversation.id), eq(conversationMembers.userId, userId)));
				change.changed.push(userId);
			}
		});
	}
	if (change.added.length > 0 || change.changed.length > 0) emitMembershipChange({ ...change });
	change.removed = await removeMembersNow(db, conversation.id, toRemove, null, 'access ended');
	return change;
}

async function memberUserIdsOf(db: Database, conversationId: string): Promise<string[]> {
	const rows = await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
	return rows.map((r) => r.userId);
}
