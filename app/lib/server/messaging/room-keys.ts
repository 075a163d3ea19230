import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import {
	chatBackupRoomKeys,
	chatComplianceRoomKeys,
	chatDevices,
	chatSessions,
	chatToDevice,
	conversationMembers,
	conversations
} from '../../../../db/schema/index';
import type { ToDeviceMessage } from '../../chat/protocol';
import { fromB64, ready } from '../../chat/crypto/sodium';
import type { Actor } from '../access/actor';
import { currentComplianceKey } from './compliance';
import { requireMember } from './conversations';
import { requireConversationAccess } from '../access/conversation-access';
import { base64Key, requireOwnDevice } from './devices';
import { ChatRefusal } from './errors';
import { toDeviceMessage } from './to-device';

/**
 * Room keys: a sending device starts a group session in a conversation and shares the session
 * key, boxed per recipient device, through the to-device queue. The server cannot read a share,
 * but it decides who may receive one: only signed, unrevoked devices of the conversation's
 * current members. It stamps the session with the conversation's current key epoch, so a
 * session that outlives a member's removal or a device's revocation is refused at send time.
 */

/** A session id is 16 random bytes. */
export const sessionIdSchema = base64Key(16);
/** base64 of JSON {box, sig}: under 1 KB for a room key; the cap keeps junk out. */
const sharePayload = z.string().min(32).max(8192).regex(/^[A-Za-z0-9_-]+$/, 'A key share must be base64.');
const sealedKey = z.string().min(64).max(4096).regex(/^[A-Za-z0-9_-]+$/, 'A sealed key must be base64.');
/** 50 members × 20 devices. */
const maxShares = 1000;

const sharesSchema = z
	.array(z.object({ deviceId: z.string().uuid('A share names a device id.'), payload: sharePayload }).strict())
	.max(maxShares, 'Too many key shares at once.')
	.refine((shares) => new Set(shares.map((s) => s.deviceId)).size === shares.length, 'Each device gets one share.');

const shareRoomKeySchema = z
	.object({
		conversationId: z.string().uuid('Name the conversation.'),
		sessionId: sessionIdSchema,
		shares: sharesSchema,
		complianceShare: sealedKey.optional(),
		backupShare: sealedKey.optional()
	})
	.strict();

const shareMoreSchema = z
	.object({ conversationId: z.string().uuid('Name the conversation.'), sessionId: sessionIdSchema, shares: sharesSchema.refine((s) => s.length > 0, 'Send at least one share.') })
	.strict();

/** A to-device message just queued, with the device room it goes to live. */
export interface Delivery {
	recipientDeviceId: string;
	message: ToDeviceMessage;
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
	const parsed = schema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'The key share could not be read.');
	return parsed.data;
}

/**
 * Inside the caller's transaction, with the conversation row locked: every recipient device must
 * be signed, unrevoked and belong to a current member. Returns the conversation's epoch.
 */
async function checkRecipients(tx: Database, actor: Actor, conversationId: string, deviceIds: string[]): Promise<number> {
	// FOR SHARE: a concurrent member removal (which bumps the epoch) waits for this share, or this share sees it.
	const [conversation] = await tx
		.select({ keyEpoch: conversations.keyEpoch })
		.from(conversations)
		.where(eq(conversations.id, conversationId))
		.for('share');
	if (!conversation) throw new ChatRefusal('not_found', 'There is no conversation with that id.');
	const members = await tx
		.select({ userId: conversationMembers.userId, access: conversationMembers.access })
		.from(conversationMembers)
		.where(eq(conversationMembers.conversationId, conversationId));
	const me = members.find((m) => m.userId === actor.userId);
	if (!me) throw new ChatRefusal('not_member', 'You are not a member of this conversation.');
	if (me.access !== 'post') throw new ChatRefusal('read_only', 'You can read this conversation but not send to it.');
	if (deviceIds.length === 0) return conversation.keyEpoch;
	const devices = await tx
		.select({ id: chatDevices.id })
		.from(chatDevices)
		.where(
			and(
				inArray(chatDevices.id, deviceIds),
				inArray(
					chatDevices.userId,
					members.map((m) => m.userId)
				),
				isNull(chatDevices.revokedAt),
				isNotNull(chatDevices.signature)
			)
		);
	if (devices.length !== deviceIds.length) {
		throw new ChatRefusal('no_keys', 'Some of those devices are not approved devices of this conversation’s members. Fetch the members’ keys again. Nothing was shared.');
	}
	return conversation.keyEpoch;
}

async function queueShares(tx: Database, senderDeviceId: string, senderUserId: string, conversationId: string, sessionId: string, shares: { deviceId: string; payload: string }[]): Promise<Delivery[]> {
	if (shares.length === 0) return [];
	const rows = await tx
		.insert(chatToDevice)
		.values(shares.map((s) => ({ recipientDeviceId: s.deviceId, senderDeviceId, kind: 'room_key' as const, conversationId, sessionId, payload: s.payload })))
		.returning();
	return rows.map((row) => ({ recipientDeviceId: row.recipientDeviceId, message: toDeviceMessage(row, senderUserId) }));
}

/**
 * Starts my device's sending session in a conversation: the chat_sessions row (at the current
 * epoch), one share per recipient device, the compliance share (required while the clinic has a
 * compliance key) and my backup's copy, all in one transaction.
 */
export async function shareRoomKey(
	db: Database,
	actor: Actor,
	claimedDeviceId: string | null,
	input: unknown
): Promise<{ keyEpoch: number; deliveries: Delivery[] }> {
	const payload = parse(shareRoomKeySchema, input);
	const { conversationId, sessionId } = payload;
	// The access module's decision (and audit, for patient threads) before anything else: the
	// membership row alone would let a relationship that has ended keep handing out keys.
	await requirePoster(db, actor, conversationId);
	await ready();
	return db.transaction(async (t) => {
		const tx = t as unknown as Database;
		const device = await requireOwnDevice(tx, actor, claimedDeviceId, { signed: true });
		const keyEpoch = await checkRecipients(tx, actor, conversationId, payload.shares.map((s) => s.deviceId));
		const compliance = await currentComplianceKey(tx);
		if (compliance && !payload.complianceShare) {
			throw new ChatRefusal('no_keys', 'The clinic requires every conversation key to be sealed to its compliance key. Fetch the compliance key and share again.');
		}
		const [taken] = await tx.select({ id: chatSessions.id }).from(chatSessions).where(eq(chatSessions.id, sessionId));
		if (taken) throw new ChatRefusal('invalid', 'That session id is already in use. Start a new session.');
		await tx.insert(chatSessions).values({ id: sessionId, conversationId, senderDeviceId: device.id, senderUserId: actor.userId, keyEpoch });
		const deliveries = await queueShares(tx, device.id, actor.userId, conversationId, sessionId, payload.shares);
		if (compliance && payload.complianceShare) {
			await tx.insert(chatComplianceRoomKeys).values({ sessionId, complianceKeyId: compliance.id, sealed: fromB64(payload.complianceShare) });
		}
		if (payload.backupShare) {
			await tx
				.insert(chatBackupRoomKeys)
				.values({ userId: actor.userId, conversationId, sessionId, sealed: fromB64(payload.backupShare) })
				.onConflictDoNothing();
		}
		return { keyEpoch, deliveries };
	});
}

/** Shares my current session's key with devices that appeared since (a member's new device). */
export async function shareMore(db: Database, actor: Actor, claimedDeviceId: string | null, input: unknown): Promise<{ deliveries: Delivery[] }> {
	const payload = parse(shareMoreSchema, input);
	const { conversationId, sessionId } = payload;
	await requirePoster(db, actor, conversationId);
	return db.transaction(async (t) => {
		const tx = t as unknown as Database;
		const device = await requireOwnDevice(tx, actor, claimedDeviceId, { signed: true });
		const keyEpoch = await checkRecipients(tx, actor, conversationId, payload.shares.map((s) => s.deviceId));
		const [session] = await tx.select().from(chatSessions).where(eq(chatSessions.id, sessionId));
		if (!session || session.senderDeviceId !== device.id || session.conversationId !== conversationId) {
			throw new ChatRefusal('unknown_session', 'That is not a session this device started in this conversation.');
		}
		if (session.keyEpoch < keyEpoch) throw new ChatRefusal('stale_session', 'The conversation’s members changed: start a new session instead.');
		return { deliveries: await queueShares(tx, device.id, actor.userId, conversationId, sessionId, payload.shares) };
	});
}

/**
 * A key share exists only to send: members who may post in the conversation now, re-checked
 * against the access rules (and, for a patient thread, authorizePatient, audited as the send it
 * prepares) rather than trusting the membership row.
 */
async function requirePoster(db: Database, actor: Actor, conversationId: string): Promise<void> {
	const { conversation, member } = await requireMember(db, actor, conversationId);
	await requireConversationAccess(db, actor, conversation, member.access, 'post', 'message.send');
}
