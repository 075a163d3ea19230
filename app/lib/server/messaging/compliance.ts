import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import {
	chatComplianceKeys,
	chatComplianceRoomKeys,
	chatDevices,
	chatMessages,
	chatSessions,
	conversationMembers,
	conversations,
	users
} from '../../../../db/schema/index';
import type { ComplianceExport } from '../../chat/protocol';
import { b64, ready } from '../../chat/crypto/sodium';
import type { Actor } from '../access/actor';
import { roleMay } from '../access/policy';
import { recordAuditEvent } from '../audit/audit-log';
import { base64Key } from './devices';
import { ChatRefusal } from './errors';

/**
 * The clinic's compliance key: an X25519 public key whose private half an administrator
 * downloaded once and keeps offline. Every new session key is also sealed to it, so a legal
 * review can read a conversation in the reviewer's browser; the server only assembles
 * ciphertext and sealed keys and never can.
 */

export async function currentComplianceKey(db: Pick<Database, 'select'>): Promise<{ id: string; publicKey: string } | null> {
	const [row] = await db
		.select({ id: chatComplianceKeys.id, publicKey: chatComplianceKeys.publicKey })
		.from(chatComplianceKeys)
		.where(isNull(chatComplianceKeys.retiredAt))
		.orderBy(desc(chatComplianceKeys.createdAt))
		.limit(1);
	return row ?? null;
}

const complianceKeySchema = z.object({ publicKey: base64Key(32) }).strict();

/** Replaces the clinic's compliance key (administrators only); earlier sessions stay sealed to the key they were made under. */
export async function setComplianceKey(db: Database, actor: Actor, input: unknown): Promise<{ id: string; publicKey: string }> {
	if (!roleMay(actor.role, 'clinic.manage')) {
		await recordAuditEvent(db, actor, { action: 'chat.compliance_key_set', outcome: 'denied', reason: 'role' });
		throw new ChatRefusal('forbidden', 'Only a clinic administrator can set the compliance key.');
	}
	const parsed = complianceKeySchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', 'Send the compliance public key made in your browser (32 bytes, URL-safe base64).');
	const key = await db.transaction(async (tx) => {
		const now = new Date();
		await tx.update(chatComplianceKeys).set({ retiredAt: now, updatedAt: now }).where(isNull(chatComplianceKeys.retiredAt));
		const [row] = await tx.insert(chatComplianceKeys).values({ publicKey: parsed.data.publicKey, createdBy: actor.userId }).returning();
		return { id: row!.id, publicKey: row!.publicKey };
	});
	await recordAuditEvent(db, actor, { action: 'chat.compliance_key_set', outcome: 'success', resourceType: 'chat_compliance_key', resourceId: key.id });
	return key;
}

/**
 * One conversation's messages (ciphertext, signatures, senders' signing keys) and its session
 * keys sealed to the current compliance key. Sessions sealed to an earlier key are left out;
 * the reviewer's browser reports those messages as unreadable with this key.
 */
export async function exportConversation(db: Database, actor: Actor, conversationId: string): Promise<ComplianceExport> {
	if (!z.string().uuid().safeParse(conversationId).success) throw new ChatRefusal('invalid', 'Name the conversation to export by its id.');
	const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
	if (!roleMay(actor.role, 'compliance.export')) {
		await recordAuditEvent(db, actor, {
			action: 'chat.compliance_export',
			outcome: 'denied',
			resourceType: 'conversation',
			resourceId: conversationId,
			patientId: conversation?.patientId ?? null,
			reason: 'role'
		});
		throw new ChatRefusal('forbidden', 'Only a clinic administrator can export a conversation for compliance review.');
	}
	if (!conversation) throw new ChatRefusal('not_found', 'There is no conversation with that id.');
	const key = await currentComplianceKey(db);
	if (!key) throw new ChatRefusal('no_keys', 'The clinic has no compliance key, so no conversation can be exported. Create one first.');

	const members = await db
		.select({ userId: conversationMembers.userId, displayName: users.displayName })
		.from(conversationMembers)
		.innerJoin(users, eq(users.id, conversationMembers.userId))
		.where(eq(conversationMembers.conversationId, conversationId))
		.orderBy(asc(users.displayName));
	const rows = await db
		.select({ message: chatMessages, senderName: users.displayName, signingKey: chatDevices.signingKey })
		.from(chatMessages)
		.leftJoin(users, eq(users.id, chatMessages.senderUserId))
		.leftJoin(chatDevices, eq(chatDevices.id, chatMessages.senderDeviceId))
		.where(eq(chatMessages.conversationId, conversationId))
		.orderBy(asc(chatMessages.seq));
	const sealed = await db
		.select({ sessionId: chatComplianceRoomKeys.sessionId, sealed: chatComplianceRoomKeys.sealed })
		.from(chatComplianceRoomKeys)
		.innerJoin(chatSessions, eq(chatSessions.id, chatComplianceRoomKeys.sessionId))
		.where(and(eq(chatSessions.conversationId, conversationId), eq(chatComplianceRoomKeys.complianceKeyId, key.id)));
	await ready();
	const roomKeys: Record<string, string> = {};
	for (const s of sealed) roomKeys[s.sessionId] = b64(s.sealed);

	const exported: ComplianceExport = {
		conversationId,
		kind: conversation.kind,
		exportedAt: new Date().toISOString(),
		complianceKeyId: key.id,
		members,
		messages: rows.map(({ message: m, senderName, signingKey }) => ({
			messageId: m.id,
			seq: m.seq,
			senderUserId: m.senderUserId,
			senderDisplayName: senderName ?? 'Former user',
			envelope: {
				conversationId: m.conversationId,
				senderDeviceId: m.senderDeviceId,
				sessionId: m.sessionId,
				index: m.messageIndex,
				ciphertext: m.ciphertext ?? '',
				signature: m.signature
			},
			retractedAt: m.retractedAt?.toISOString() ?? null,
			sentAt: m.createdAt.toISOString(),
			senderSigningKey: signingKey ?? null
		})),
		roomKeys
	};
	await recordAuditEvent(db, actor, {
		action: 'chat.compliance_export',
		outcome: 'success',
		resourceType: 'conversation',
		resourceId: conversationId,
		patientId: conversation.patientId,
		reason: `messages=${rows.length}; sessions=${sealed.length}`
	});
	return exported;
}
