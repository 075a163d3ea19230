import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { notifications, users, type Notification } from '../../../../db/schema/index';
import type { NotificationSummary } from '../../realtime/events';
import { enqueueEmail } from '../mail/outbox';
import { emitNotification } from './notification-events';

/**
 * In-app notifications: a row per person, pushed to their open tabs, and optionally an email
 * that says only that there is something to see. Titles and bodies may name a patient (they are
 * shown inside the signed-in app only); emails never do, because email leaves the clinic's
 * control.
 */

export const notificationKinds = [
	'plan.changed',
	'plan.missed_dose',
	// Scheduling: a capacity threshold near or passed, a patient's answer to a reminder, a visit flagged.
	'schedule.capacity',
	'schedule.reminder_response',
	'schedule.flagged',
	'schedule.booked',
	'consult.waiting'
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface NotificationInput {
	kind: NotificationKind;
	title: string;
	body: string;
	/** A path inside the app. */
	link: string | null;
	patientId: string | null;
	/**
	 * Also tell each person by email, with this fixed wording and no patient details. The key
	 * makes the email idempotent (one per person and key).
	 */
	email?: { subject: string; text: string; idempotencyKey: string };
}

export function summaryOf(row: Notification): NotificationSummary {
	return { id: row.id, kind: row.kind, title: row.title, body: row.body, link: row.link, createdAt: row.createdAt.toISOString(), read: row.readAt !== null };
}

/**
 * Notifies active accounts among `userIds` (duplicates and deactivated accounts are dropped).
 * Rows and emails are written in one transaction; the push to open tabs follows the commit.
 * Returns the rows written.
 */
export async function notifyUsers(db: Database, userIds: readonly string[], input: NotificationInput): Promise<Notification[]> {
	const created = await db.transaction(async (transaction) => writeNotifications(transaction as unknown as Database, userIds, input));
	pushNotifications(created);
	return created;
}

/**
 * The rows and emails of a notification, inside the caller's transaction (so the change that
 * causes it and the notice commit together). Call pushNotifications with the result after the
 * commit.
 */
export async function writeNotifications(tx: Database, userIds: readonly string[], input: NotificationInput): Promise<Notification[]> {
	const unique = [...new Set(userIds)];
	if (unique.length === 0) return [];
	const recipients = await tx.select({ id: users.id, email: users.email }).from(users).where(and(inArray(users.id, unique), eq(users.active, true)));
	if (recipients.length === 0) return [];
	const rows = await tx
		.insert(notifications)
		.values(recipients.map((r) => ({ userId: r.id, kind: input.kind, title: input.title, body: input.body, link: input.link, patientId: input.patientId })))
		.returning();
	if (input.email) {
		for (const recipient of recipients) {
			await enqueueEmail(tx, {
				idempotencyKey: `notification:${input.email.idempotencyKey}:${recipient.id}`,
				topic: input.kind,
				email: { to: recipient.email, subject: input.email.subject, text: input.email.text }
			});
		}
	}
	return rows;
}

/** Sends committed notifications to their people's open tabs. */
export function pushNotifications(rows: readonly Notification[]): void {
	for (const row of rows) emitNotification({ userId: row.userId, notification: summaryOf(row) });
}

/** The signed-in person's own notifications, newest first, and how many are unread. */
export async function listNotifications(db: Database, userId: string, limit = 50): Promise<{ items: NotificationSummary[]; unread: number }> {
	const [rows, [unread]] = await Promise.all([
		db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt)).limit(limit),
		db.select({ n: count() }).from(notifications).where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
	]);
	return { items: rows.map(summaryOf), unread: unread?.n ?? 0 };
}

export async function unreadNotificationCount(db: Database, userId: string): Promise<number> {
	const [row] = await db.select({ n: count() }).from(notifications).where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
	return row?.n ?? 0;
}

/** Marks the person's own notifications read (all of them, or the ones named). */
export async function markNotificationsRead(db: Database, userId: string, ids?: readonly string[], now = new Date()): Promise<number> {
	const scope = ids ? and(eq(notifications.userId, userId), inArray(notifications.id, [...ids]), isNull(notifications.readAt)) : and(eq(notifications.userId, userId), isNull(notifications.readAt));
	if (ids && ids.length === 0) return 0;
	const rows = await db.update(notifications).set({ readAt: now }).where(scope).returning({ id: notifications.id });
	return rows.length;
}
