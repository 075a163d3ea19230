import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatNotificationPreferences, conversationKinds, conversationMembers, users, type ChatNotificationSettings, type ConversationKind, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { ChatRefusal } from './errors';

/**
 * Who is alerted of a new message. Alerts carry no content (`chat:notify` names only the
 * conversation and its kind). Each person's settings are their role's defaults until they save
 * their own; a muted conversation never alerts.
 *  - physicians and nurses: every kind
 *  - front desk: the appointments threads and staff chats
 *  - billing and administrators: staff chats
 *  - patients and proxies: their threads
 */

const allKinds = (on: boolean) => Object.fromEntries(conversationKinds.map((k) => [k, on])) as Record<ConversationKind, boolean>;
const only = (...kinds: ConversationKind[]) => Object.fromEntries(conversationKinds.map((k) => [k, kinds.includes(k)])) as Record<ConversationKind, boolean>;

export function defaultNotificationSettings(role: Role | string): ChatNotificationSettings {
	switch (role) {
		case 'physician':
		case 'nurse':
			return { kinds: allKinds(true), browser: true };
		case 'front_desk':
			return { kinds: only('patient_appointments', 'direct', 'group'), browser: true };
		case 'billing':
		case 'clinic_admin':
			return { kinds: only('direct', 'group'), browser: true };
		case 'patient':
		case 'proxy':
			return { kinds: only('patient_care', 'patient_appointments'), browser: true };
		default:
			return { kinds: allKinds(false), browser: false };
	}
}

export const notificationSettingsSchema = z
	.object({
		kinds: z.object(Object.fromEntries(conversationKinds.map((k) => [k, z.boolean()])) as Record<ConversationKind, z.ZodBoolean>).strict(),
		browser: z.boolean()
	})
	.strict();

export async function notificationSettingsOf(db: Pick<Database, 'select'>, userId: string, role: Role | string): Promise<ChatNotificationSettings> {
	const [row] = await db.select({ settings: chatNotificationPreferences.settings }).from(chatNotificationPreferences).where(eq(chatNotificationPreferences.userId, userId));
	if (!row) return defaultNotificationSettings(role);
	// Saved before a kind existed: the role's default fills the gap.
	return { kinds: { ...defaultNotificationSettings(role).kinds, ...row.settings.kinds }, browser: row.settings.browser };
}

export async function saveNotificationSettings(db: Database, actor: Actor, input: unknown): Promise<ChatNotificationSettings> {
	const parsed = z.object({ settings: notificationSettingsSchema }).strict().safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', 'Those notification settings are not valid.');
	const settings = parsed.data.settings;
	await db
		.insert(chatNotificationPreferences)
		.values({ userId: actor.userId, settings })
		.onConflictDoUpdate({ target: chatNotificationPreferences.userId, set: { settings, updatedAt: new Date() } });
	return settings;
}

/** The members (other than the sender) who should get `chat:notify` for a new message in this conversation. */
export async function usersToNotify(db: Database, conversation: { id: string; kind: ConversationKind }, senderUserId: string): Promise<string[]> {
	// One round trip per message: the unmuted members with their saved settings, if any.
	const members = await db
		.select({ userId: conversationMembers.userId, role: users.role, settings: chatNotificationPreferences.settings })
		.from(conversationMembers)
		.innerJoin(users, eq(users.id, conversationMembers.userId))
		.leftJoin(chatNotificationPreferences, eq(chatNotificationPreferences.userId, conversationMembers.userId))
		.where(and(eq(conversationMembers.conversationId, conversation.id), eq(conversationMembers.muted, false)));
	return members
		.filter((m) => {
			if (m.userId === senderUserId) return false;
			const kinds = m.settings ? { ...defaultNotificationSettings(m.role).kinds, ...m.settings.kinds } : defaultNotificationSettings(m.role).kinds;
			return kinds[conversation.kind] === true;
		})
		.map((m) => m.userId);
}
