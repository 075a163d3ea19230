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
	nudgeOutbox();
}

export async function enqueueSms(db: Database, message: { idempotencyKey: string; topic: string; sms: OutboxSms }): Promise<void> {
	await db
		.insert(outboxMessages)
		.values({ channel: 'sms', idempotencyKey: message.idempotencyKey, recipient: message.sms.to, topic: message.topic, payload: message.sms })
		.onConflictDoNothing({ target: outboxMessages.idempotencyKey });
	nudgeOutbox();
}

/**
 * Tells a running outbox worker that a message may be waiting, so it need not wait for its next
 * poll. The enqueuing transaction may not have committed yet; the worker looks again shortly
 * after and polls anyway. Kept on globalThis because the SvelteKit bundle and the server entry
 * each load their own copy of this module.
 */
const listenersKey = Symbol.for('clinicsync.outbox.listeners');
type ListenerHolder = { [listenersKey]?: Set<() => void> };

function outboxListeners(): Set<() => void> {
	return ((globalThis as ListenerHolder)[listenersKey] ??= new Set());
}

export function onOutboxEnqueued(listener: () => void): () => void {
	outboxListeners().add(listener);
	return () => outboxListeners().delete(listener);
}

function nudgeOutbox(): void {
	for (const listener of outboxListeners()) listener();
}
