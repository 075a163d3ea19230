import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatIdentities, chatVerifications, conversationMembers, users } from '../../../../db/schema/index';
import type { UserKeys } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { requireMember } from './conversations';
import { base64Key, signedDevicesOf } from './devices';
import { ChatRefusal } from './errors';

/**
 * Whose keys a person may fetch, and their verifications of others' identity keys. A person sees
 * the keys of the people they share a conversation with, never a directory of everyone's keys.
 * A verification names the identity key it was made for, so a reset identity shows as unverified.
 */

async function keysOf(db: Database, viewerUserId: string, userIds: string[]): Promise<UserKeys[]> {
	if (userIds.length === 0) return [];
	const people = await db
		.select({ userId: users.id, displayName: users.displayName, identityKey: chatIdentities.identityKey })
		.from(users)
		.leftJoin(chatIdentities, eq(chatIdentities.userId, users.id))
		.where(inArray(users.id, userIds));
	const devices = await signedDevicesOf(db, userIds);
	const verified = await db
		.select({ userId: chatVerifications.verifiedUserId, identityKey: chatVerifications.identityKey })
		.from(chatVerifications)
		.where(and(eq(chatVerifications.verifierUserId, viewerUserId), inArray(chatVerifications.verifiedUserId, userIds)));
	return people
		.map((p) => ({
			userId: p.userId,
			displayName: p.displayName,
			identityKey: p.identityKey,
			// A person without an identity has no trustworthy devices (a reset leaves none signed by the old key).
			devices: p.identityKey ? devices.filter((d) => d.userId === p.userId) : [],
			verifiedByMe: p.identityKey !== null && verified.some((v) => v.userId === p.userId && v.identityKey === p.identityKey)
		}))
		.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

const conversationSchema = z.object({ conversationId: z.string().uuid('Name the conversation.') }).strict();
const userSchema = z.object({ userId: z.string().uuid('Name the person.') }).strict();
const verifySchema = z.object({ userId: z.string().uuid('Name the person.'), identityKey: base64Key(32) }).strict();

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
	const parsed = schema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The request could not be read.');
	return parsed.data;
}

/** Every member's identity key and signed, unrevoked devices: who a new session key goes to. */
export async function conversationKeys(db: Database, actor: Actor, input: unknown): Promise<UserKeys[]> {
	const { conversationId } = parse(conversationSchema, input);
	await requireMember(db, actor, conversationId);
	const members = await db
		.select({ userId: conversationMembers.userId })
		.from(conversationMembers)
		.where(eq(conversationMembers.conversationId, conversationId));
	return keysOf(
		db,
		actor.userId,
		members.map((m) => m.userId)
	);
}

/** True when the two people are in at least one conversation together (or are the same person). */
async function shareAConversation(db: Database, a: string, b: string): Promise<boolean> {
	if (a === b) return true;
	const mine = db.select({ id: conversationMembers.conversationId }).from(conversationMembers).where(eq(conversationMembers.userId, a));
	const [row] = await db
		.select({ id: conversationMembers.conversationId })
		.from(conversationMembers)
		.where(and(eq(conversationMembers.userId, b), inArray(conversationMembers.conversationId, mine)))
		.limit(1);
	return Boolean(row);
}

/** One person's keys, for comparing safety numbers; only someone I share a conversation with. */
export async function userKeys(db: Database, actor: Actor, input: unknown): Promise<UserKeys> {
	const { userId } = parse(userSchema, input);
	if (!(await shareAConversation(db, actor.userId, userId))) {
		throw new ChatRefusal('forbidden', 'You can see the keys of people you share a conversation with.');
	}
	const [keys] = await keysOf(db, actor.userId, [userId]);
	if (!keys) throw new ChatRefusal('not_found', 'There is no such person.');
	return keys;
}

/** Records that I compared safety numbers with this person for their current identity key. */
export async function verifyUser(db: Database, actor: Actor, input: unknown): Promise<void> {
	const { userId, identityKey } = parse(verifySchema, input);
	if (userId === actor.userId) throw new ChatRefusal('invalid', 'You cannot verify yourself.');
	if (!(await shareAConversation(db, actor.userId, userId))) {
		throw new ChatRefusal('forbidden', 'You can verify people you share a conversation with.');
	}
	const [current] = await db.select({ identityKey: chatIdentities.identityKey }).from(chatIdentities).where(eq(chatIdentities.userId, userId));
	if (!current) throw new ChatRefusal('no_keys', 'That person has not set up secure messaging yet.');
	if (current.identityKey !== identityKey) {
		throw new ChatRefusal('invalid', 'That person’s identity key changed since you compared safety numbers. Compare them again.');
	}
	await db
		.insert(chatVerifications)
		.values({ verifierUserId: actor.userId, verifiedUserId: userId, identityKey })
		.onConflictDoUpdate({ target: [chatVerifications.verifierUserId, chatVerifications.verifiedUserId], set: { identityKey, createdAt: new Date() } });
}
