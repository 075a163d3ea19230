import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import {
	chatMessages,
	conversationKinds,
	conversationMembers,
	conversations,
	memberAccessLevels,
	patients,
	users,
	type Conversation,
	type ConversationMember
} from '../../../../db/schema/index';
import { chatLimits, type ConversationSummary } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { isPatientThread, personById, requireMayCreate, ruleAccess } from '../access/conversation-access';
import { recordAuditEvent } from '../audit/audit-log';
import { ChatRefusal } from './errors';
import { emitMembershipChange, syncConversationMembers } from './members';

/**
 * Conversations: creating them (staff chats, and patient threads got or created once per patient
 * and kind), who is in them, and the summaries the conversation list shows. Access decisions are
 * the access module's (conversation-access.ts); this module stores and reads.
 */

export const conversationIdSchema = z.string({ error: 'Name the conversation.' }).uuid('That is not a conversation id.');

export const createConversationSchema = z
	.object({
		kind: z.enum(conversationKinds, { error: 'Choose the kind of conversation.' }),
		title: z.string().trim().max(chatLimits.maxTitleLength, `A title has at most ${chatLimits.maxTitleLength} characters.`).optional(),
		memberUserIds: z.array(z.string().uuid('Choose people from the list.')).max(chatLimits.maxGroupMembers, `A group has at most ${chatLimits.maxGroupMembers} people.`).optional(),
		patientId: z.string().uuid('Choose the patient from the list.').optional()
	})
	.strict();
export type CreateConversationInput = z.infer<typeof createConversationSchema>;

export const memberAccessSchema = z.enum(memberAccessLevels);

export async function loadConversation(db: Pick<Database, 'select'>, conversationId: string): Promise<Conversation | null> {
	if (!conversationIdSchema.safeParse(conversationId).success) return null;
	const [row] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
	return row ?? null;
}

/** The people in a conversation (user ids), for fan-out and receipts. */
export async function memberUserIds(db: Pick<Database, 'select'>, conversationId: string): Promise<string[]> {
	const rows = await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
	return rows.map((r) => r.userId);
}

/** The conversation and the actor's membership in it; refuses a stranger. No access re-check: see requireConversationAccess. */
export async function requireMember(db: Pick<Database, 'select'>, actor: Actor, conversationId: string): Promise<{ conversation: Conversation; member: ConversationMember }> {
	if (!conversationIdSchema.safeParse(conversationId).success) throw new ChatRefusal('not_found', 'That conversation does not exist.');
	// One round trip: every send and receipt starts here.
	const [row] = await db
		.select({ conversation: conversations, member: conversationMembers })
		.from(conversations)
		.leftJoin(conversationMembers, and(eq(conversationMembers.conversationId, conversations.id), eq(conversationMembers.userId, actor.userId)))
		.where(eq(conversations.id, conversationId));
	if (!row) throw new ChatRefusal('not_found', 'That conversation does not exist.');
	if (!row.member) throw new ChatRefusal('not_member', 'You are not in this conversation.');
	return { conversation: row.conversation, member: row.member };
}

/**
 * Starts a conversation. direct: the same two people always get the same conversation back.
 * group: the creator and the chosen staff. Patient threads: one per patient and kind, created on
 * first use, its members derived from the access rules.
 */
export async function createConversation(db: Database, actor: Actor, input: unknown): Promise<{ conversation: Conversation; created: boolean }> {
	const parsed = createConversationSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That conversation request is not valid.');
	const { kind, title, patientId } = parsed.data;
	if (kind === 'direct' || kind === 'group') {
		if (patientId) throw new ChatRefusal('invalid', 'A staff conversation is not about one patient; use the patient’s care-team thread.');
		await requireMayCreate(db, actor, kind, null);
		const others = [...new Set(parsed.data.memberUserIds ?? [])].filter((id) => id !== actor.userId);
		if (kind === 'direct' && others.length !== 1) throw new ChatRefusal('invalid', 'A direct conversation is with exactly one other person.');
		if (kind === 'group' && others.length === 0) throw new ChatRefusal('invalid', 'Choose at least one other person for the group.');
		if (others.length + 1 > chatLimits.maxGroupMembers) throw new ChatRefusal('invalid', `A group has at most ${chatLimits.maxGroupMembers} people.`);
		for (const userId of others) {
			const person = await personById(db, userId);
			if (!person || !person.active || (await ruleAccess(db, { kind, patientId: null, viewOnlyRoles: [] }, person)) === null) {
				throw new ChatRefusal('forbidden', 'Staff conversations are only with clinic staff.');
			}
		}
		if (kind === 'direct') {
			const existing = await directBetween(db, actor.userId, others[0]!);
			if (existing) return { conversation: existing, created: false };
		}
		const conversation = await db.transaction(async (transaction) => {
			const tx = transaction as unknown as Database;
			const [row] = await tx
				.insert(conversations)
				.values({ kind, title: kind === 'group' && title ? title : null, createdBy: actor.userId })
				.returning();
			await tx.insert(conversationMembers).values([actor.userId, ...others].map((userId) => ({ conversationId: row!.id, userId, access: 'post' as const })));
			await recordAuditEvent(tx, actor, { action: 'conversation.create', outcome: 'success', resourceType: 'conversation', resourceId: row!.id, reason: `${kind}; members=${others.length + 1}` });
			return row!;
		});
		emitMembershipChange({ conversationId: conversation.id, added: [actor.userId, ...others], removed: [], changed: [] });
		return { conversation, created: true };
	}

	if (!patientId) throw new ChatRefusal('invalid', 'Choose the patient this conversation is about.');
	await requireMayCreate(db, actor, kind, patientId);
	let created = false;
	let [conversation] = await db.select().from(conversations).where(and(eq(conversations.patientId, patientId), eq(conversations.kind, kind)));
	if (!conversation) {
		// Two first uses at once: the unique index keeps one; the loser reads it back.
		const inserted = await db.insert(conversations).values({ kind, patientId, createdBy: actor.userId }).onConflictDoNothing().returning();
		if (inserted[0]) {
			created = true;
			await recordAuditEvent(db, actor, { action: 'conversation.create', outcome: 'success', patientId, resourceType: 'conversation', resourceId: inserted[0].id, reason: kind });
		}
		[conversation] = await db.select().from(conversations).where(and(eq(conversations.patientId, patientId), eq(conversations.kind, kind)));
	}
	await syncConversationMembers(db, conversation!);
	return { conversation: conversation!, created };
}

async function directBetween(db: Database, a: string, b: string): Promise<Conversation | null> {
	const rows = await db
		.select({ conversation: conversations })
		.from(conversations)
		.innerJoin(conversationMembers, eq(conversationMembers.conversationId, conversations.id))
		.where(and(eq(conversations.kind, 'direct'), eq(conversationMembers.userId, a)));
	for (const { conversation } of rows) {
		const members = await memberUserIds(db, conversation.id);
		if (members.length === 2 && members.includes(b)) return conversation;
	}
	return null;
}

const viewOnlyRolesSchema = z
	.object({ conversationId: conversationIdSchema, roles: z.array(z.enum(['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing'], { error: 'Choose staff roles.' })).max(5) })
	.strict();

/**
 * Gives roles read-only access to a patient thread (an administrator's decision, audited). The
 * rules still apply: a role the kind never admits (the front desk or billing in a clinical
 * thread) gains nothing. Members follow at once; a role taken away leaves (and the epoch rises).
 */
export async function setViewOnlyRoles(db: Database, actor: Actor, input: unknown): Promise<Conversation> {
	if (actor.role !== 'clinic_admin') throw new ChatRefusal('forbidden', 'Only a clinic administrator can give a role view-only access to a thread.');
	const parsed = viewOnlyRolesSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That request is not valid.');
	const conversation = await loadConversation(db, parsed.data.conversationId);
	if (!conversation) throw new ChatRefusal('not_found', 'That conversation does not exist.');
	if (!isPatientThread(conversation.kind)) throw new ChatRefusal('invalid', 'View-only roles apply to patient threads; add a person to a group as a viewer instead.');
	const roles = [...new Set(parsed.data.roles)].sort();
	const [updated] = await db.update(conversations).set({ viewOnlyRoles: roles, updatedAt: new Date() }).where(eq(conversations.id, conversation.id)).returning();
	await recordAuditEvent(db, actor, {
		action: 'conversation.member_add',
		outcome: 'success',
		patientId: conversation.patientId,
		resourceType: 'conversation',
		resourceId: conversation.id,
		reason: `view-only roles: ${roles.join(',') || 'none'}`
	});
	await syncConversationMembers(db, updated!);
	return updated!;
}

const patientThreadViewOnlySchema = z
	.object({
		patientId: z.string({ error: 'Choose the patient.' }).uuid('Choose the patient from the search results.'),
		kind: z.enum(['care_team', 'patient_care', 'patient_appointments'], { error: 'Choose which of the patient’s threads.' }),
		roles: z.array(z.enum(['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing'], { error: 'Choose staff roles.' })).max(5)
	})
	.strict();

/**
 * setViewOnlyRoles named by patient and kind, as the administrator thinks of it: the thread is
 * created when nobody has used it yet, so a viewer can be set up before the first message.
 */
export async function setViewOnlyRolesForPatient(db: Database, actor: Actor, input: unknown): Promise<Conversation> {
	if (actor.role !== 'clinic_admin') throw new ChatRefusal('forbidden', 'Only a clinic administrator can give a role view-only access to a thread.');
	const parsed = patientThreadViewOnlySchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That request is not valid.');
	const { patientId, kind, roles } = parsed.data;
	const [patient] = await db.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId));
	if (!patient) throw new ChatRefusal('not_found', 'There is no such patient.');
	let [conversation] = await db.select().from(conversations).where(and(eq(conversations.patientId, patientId), eq(conversations.kind, kind)));
	if (!conversation) {
		// The same race as a first use in createConversation: the unique index keeps one.
		const inserted = await db.insert(conversations).values({ kind, patientId, createdBy: actor.userId }).onConflictDoNothing().returning();
		if (inserted[0]) {
			await recordAuditEvent(db, actor, { action: 'conversation.create', outcome: 'success', patientId, resourceType: 'conversation', resourceId: inserted[0].id, reason: kind });
		}
		[conversation] = await db.select().from(conversations).where(and(eq(conversations.patientId, patientId), eq(conversations.kind, kind)));
	}
	return setViewOnlyRoles(db, actor, { conversationId: conversation!.id, roles });
}

export interface ViewOnlyThread {
	conversationId: string;
	patientId: string;
	patientName: string;
	mrn: string;
	kind: 'care_team' | 'patient_care' | 'patient_appointments';
	viewOnlyRoles: string[];
}

/** Patient threads that have view-only roles, for the administrator's list (no content, no members). */
export async function listViewOnlyThreads(db: Database, actor: Actor): Promise<ViewOnlyThread[]> {
	if (actor.role !== 'clinic_admin') throw new ChatRefusal('forbidden', 'Only a clinic administrator can see view-only access.');
	const rows = await db
		.select({
			conversationId: conversations.id,
			patientId: patients.id,
			givenName: patients.givenName,
			familyName: patients.familyName,
			mrn: patients.mrn,
			kind: conversations.kind,
			viewOnlyRoles: conversations.viewOnlyRoles
		})
		.from(conversations)
		.innerJoin(patients, eq(patients.id, conversations.patientId))
		.where(sql`cardinality(${conversations.viewOnlyRoles}) > 0`)
		.orderBy(asc(patients.familyName), asc(patients.givenName), asc(conversations.kind))
		.limit(500);
	return rows
		.filter((r): r is typeof r & { kind: ViewOnlyThread['kind'] } => isPatientThread(r.kind))
		.map((r) => ({ conversationId: r.conversationId, patientId: r.patientId, patientName: `${r.givenName} ${r.familyName}`, mrn: r.mrn, kind: r.kind, viewOnlyRoles: r.viewOnlyRoles }));
}

/** Mutes or unmutes a conversation for the actor (no notifications; unread counts still move). */
export async function setMuted(db: Database, actor: Actor, conversationId: string, muted: boolean): Promise<void> {
	await requireMember(db, actor, conversationId);
	await db
		.update(conversationMembers)
		.set({ muted, updatedAt: new Date() })
		.where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, actor.userId)));
}

/** The actor's conversations, newest activity first, with unread counts. */
export async function listConversations(db: Database, actor: Actor): Promise<ConversationSummary[]> {
	const mine = await db.select({ conversationId: conversationMembers.conversationId }).from(conversationMembers).where(eq(conversationMembers.userId, actor.userId));
	const summaries = await summariesFor(db, actor.userId, actor.role, mine.map((m) => m.conversationId));
	return summaries.sort((a, b) => (b.lastMessageAt ?? '').localeCompare(a.lastMessageAt ?? '') || a.title.localeCompare(b.title));
}

/** One conversation as `userId` sees it; null when they are not in it. */
export async function conversationSummary(db: Database, conversationId: string, userId: string): Promise<ConversationSummary | null> {
	const [person] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId));
	if (!person) return null;
	return (await summariesFor(db, userId, person.role, [conversationId]))[0] ?? null;
}

async function summariesFor(db: Database, userId: string, role: string, conversationIds: string[]): Promise<ConversationSummary[]> {
	if (conversationIds.length === 0) return [];
	const rows = await db
		.select({ conversation: conversations, patientGiven: patients.givenName, patientFamily: patients.familyName })
		.from(conversations)
		.leftJoin(patients, eq(patients.id, conversations.patientId))
		.where(inArray(conversations.id, conversationIds));
	const members = await db
		.select({
			conversationId: conversationMembers.conversationId,
			userId: conversationMembers.userId,
			displayName: users.displayName,
			role: users.role,
			access: conversationMembers.access,
			joinedSeq: conversationMembers.joinedSeq,
			deliveredSeq: conversationMembers.deliveredSeq,
			readSeq: conversationMembers.readSeq,
			muted: conversationMembers.muted
		})
		.from(conversationMembers)
		.innerJoin(users, eq(users.id, conversationMembers.userId))
		.where(inArray(conversationMembers.conversationId, conversationIds))
		.orderBy(asc(users.displayName));
	const mineBy = new Map(members.filter((m) => m.userId === userId).map((m) => [m.conversationId, m]));
	// Unread: after my read marker and after I joined, not mine, not deleted for everyone.
	const unreadRows = await db
		.select({ conversationId: chatMessages.conversationId, count: sql<number>`count(*)::int` })
		.from(chatMessages)
		.innerJoin(conversationMembers, and(eq(conversationMembers.conversationId, chatMessages.conversationId), eq(conversationMembers.userId, userId)))
		.where(
			and(
				inArray(chatMessages.conversationId, conversationIds),
				sql`${chatMessages.seq} > greatest(${conversationMembers.readSeq}, ${conversationMembers.joinedSeq})`,
				sql`${chatMessages.senderUserId} is distinct from ${userId}`,
				isNull(chatMessages.retractedAt)
			)
		)
		.groupBy(chatMessages.conversationId);
	const unreadBy = new Map(unreadRows.map((r) => [r.conversationId, Number(r.count)]));
	const lastRows = await db
		.select({ conversationId: chatMessages.conversationId, at: sql<string>`max(${chatMessages.createdAt})` })
		.from(chatMessages)
		.where(inArray(chatMessages.conversationId, conversationIds))
		.groupBy(chatMessages.conversationId);
	const lastBy = new Map(lastRows.map((r) => [r.conversationId, r.at ? new Date(r.at).toISOString() : null]));
	const portal = role === 'patient' || role === 'proxy';

	const summaries: ConversationSummary[] = [];
	for (const { conversation, patientGiven, patientFamily } of rows) {
		const me = mineBy.get(conversation.id);
		if (!me) continue;
		const people = members.filter((m) => m.conversationId === conversation.id);
		const patientName = patientGiven !== null ? `${patientGiven} ${patientFamily}` : null;
		summaries.push({
			conversationId: conversation.id,
			kind: conversation.kind,
			title: titleOf(conversation, people, userId, patientName, portal),
			patientId: conversation.patientId,
			patientName,
			members: people.map((m) => ({ userId: m.userId, displayName: m.displayName, role: m.role, access: m.access, deliveredSeq: m.deliveredSeq, readSeq: m.readSeq })),
			myAccess: me.access,
			keyEpoch: conversation.keyEpoch,
			lastSeq: conversation.lastSeq,
			unread: unreadBy.get(conversation.id) ?? 0,
			muted: me.muted,
			lastMessageAt: lastBy.get(conversation.id) ?? null
		});
	}
	return summaries;
}

function titleOf(conversation: Conversation, people: { userId: string; displayName: string }[], userId: string, patientName: string | null, portal: boolean): string {
	const others = people.filter((p) => p.userId !== userId).map((p) => p.displayName);
	switch (conversation.kind) {
		case 'direct':
			return others[0] ?? 'Only you';
		case 'group':
			return conversation.title || others.slice(0, 3).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '') || 'Group';
		case 'care_team':
			return `Care team · ${patientName ?? 'patient'}`;
		case 'patient_care':
			return portal ? `Care team${patientName ? ` · ${patientName}` : ''}` : `Patient messages · ${patientName ?? 'patient'}`;
		case 'patient_appointments':
			return portal ? `Appointments${patientName ? ` · ${patientName}` : ''}` : `Appointments · ${patientName ?? 'patient'}`;
	}
}

/** Patient threads that exist for a patient (membership sync walks them). */
export async function patientThreadsOf(db: Pick<Database, 'select'>, patientId: string): Promise<Conversation[]> {
	const rows = await db.select().from(conversations).where(and(eq(conversations.patientId, patientId), ne(conversations.kind, 'direct')));
	return rows.filter((c) => isPatientThread(c.kind));
}
