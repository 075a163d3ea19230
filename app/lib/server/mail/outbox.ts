import type { Database } from '../../../../db/client';
import { outboxMessages, type OutboxEmail, type OutboxSms } from '../../../../db/schema/index';

/**
 * Puts a message in the durable outbox. Call it inside the transaction of the change that
 * causes the message, so both commit or neither does. A second call with the same
 * idempotency key is a no-op: retrying a request never sends twice.
 */
export async function enqueueEmail(db: Database, message: { idempotencyKey: string; topic: string; email: OutboxEmail }): Promise<void> {
	await db
		.insert(outboxMessages)
		.values({ channel: 'email', idempotencyKey: message.idempotencyKey, recipient: message.email.to, topic: message.topic, payload: message.email })
		.onConflictDoNothing({ target: outboxMessages.idempotencyKey });
}

export async function enqueueSms(db: Database, message: { idempotencyKey: string; topic: string; sms: OutboxSms }): Promise<void> {
	await db
		.insert(outboxMessages)
		.values({ channel: 'sms', idempotencyKey: message.idempotencyKey, recipient: message.sms.to, topic: message.topic, payload: message.sms })
		.onConflictDoNothing({ target: outboxMessages.idempotencyKey });
}
