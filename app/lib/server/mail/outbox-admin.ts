import { count, desc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { outboxMessages, outboxStatuses, type OutboxEmail } from '../../../../db/schema/index';

export { outboxStatuses };
export type OutboxStatus = (typeof outboxStatuses)[number];

export interface OutboxRow {
	id: string;
	channel: string;
	topic: string;
	recipient: string;
	status: OutboxStatus;
	attempts: number;
	nextAttemptAt: Date;
	lastError: string | null;
	createdAt: Date;
	sentAt: Date | null;
}

/** The administrator's view: who was sent what kind of message and how delivery went — never bodies. */
export async function listOutbox(db: Database, options: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRow[]> {
	return db
		.select({
			id: outboxMessages.id,
			channel: outboxMessages.channel,
			topic: outboxMessages.topic,
			recipient: outboxMessages.recipient,
			status: outboxMessages.status,
			attempts: outboxMessages.attempts,
			nextAttemptAt: outboxMessages.nextAttemptAt,
			lastError: outboxMessages.lastError,
			createdAt: outboxMessages.createdAt,
			sentAt: outboxMessages.sentAt
		})
		.from(outboxMessages)
		.where(options.status ? eq(outboxMessages.status, options.status) : undefined)
		.orderBy(desc(outboxMessages.createdAt))
		.limit(options.limit ?? 200);
}

export async function countOutboxByStatus(db: Database): Promise<Record<OutboxStatus, number>> {
	const rows = await db.select({ status: outboxMessages.status, n: count() }).from(outboxMessages).groupBy(outboxMessages.status);
	const counts = Object.fromEntries(outboxStatuses.map((s) => [s, 0])) as Record<OutboxStatus, number>;
	for (const row of rows) counts[row.status] = Number(row.n);
	return counts;
}

export interface MailboxEmail {
	id: string;
	to: string;
	subject: string;
	text: string;
	topic: string;
	status: OutboxStatus;
	createdAt: Date;
}

/** The developer mailbox: the newest emails with their text. Only for /dev/mailbox. */
export async function listMailbox(db: Database, limit = 50): Promise<MailboxEmail[]> {
	const rows = await db
		.select()
		.from(outboxMessages)
		.where(eq(outboxMessages.channel, 'email'))
		.orderBy(desc(outboxMessages.createdAt))
		.limit(limit);
	return rows.map((r) => {
		const email = r.payload as OutboxEmail;
		return { id: r.id, to: email.to, subject: email.subject, text: email.text, topic: r.topic, status: r.status, createdAt: r.createdAt };
	});
}
