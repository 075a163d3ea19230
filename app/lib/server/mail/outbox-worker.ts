import { and, asc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import type { Database } from '../../../../db/client';
import { outboxMessages, type OutboxEmail, type OutboxMessage, type OutboxSms } from '../../../../db/schema/index';
import type { Logger } from '../platform/logger';
import { onOutboxEnqueued } from './outbox';
import { smsIdempotencyTokenFor, type SmsTransport } from './sms-transport';

/** What the worker hands to a mail transport: the stored email plus the id that makes a resend recognisable. */
export interface OutgoingEmail extends OutboxEmail {
	/** Derived from the outbox idempotency key: the same message always carries the same Message-ID. */
	messageId: string;
}

export interface MailTransport {
	send(email: OutgoingEmail): Promise<void>;
	close(): void;
}

/** Waits after the 1st, 2nd, … failed attempt; the last one repeats. */
export const defaultRetryDelaysMs = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000, 60 * 60_000, 2 * 3600_000, 4 * 3600_000];
export const defaultMaxAttempts = 8;

export interface OutboxWorkerOptions {
	db: Database;
	/** Delivers email; without it, email stays pending. */
	transport?: MailTransport;
	/** Delivers SMS (an HTTP gateway); without it, SMS stays pending. */
	smsTransport?: SmsTransport;
	logger: Logger;
	/** How often to look for due messages when nobody nudges. */
	pollIntervalMs?: number;
	/** How long a claim holds; a worker that dies mid-send frees its messages after this. */
	leaseMs?: number;
	retryDelaysMs?: number[];
	maxAttempts?: number;
	/** Messages claimed per round. */
	batchSize?: number;
	/** Host part of generated Message-IDs. */
	messageIdDomain?: string;
}

/**
 * Delivers the outbox: email through `transport`, SMS through `smsTransport` (each channel only
 * when its transport is given). Each round claims due messages with a lease (status 'sending',
 * locked_until in the future) in one statement with SKIP LOCKED, so two workers — or a worker
 * and its restarted self — never hold the same message; sends each; then marks it sent, or
 * schedules a retry with exponential backoff, or after the last attempt marks it failed.
 *
 * Delivery is at-least-once only across a crash between the receiver's acceptance (the SMTP
 * server's 250, the gateway's 2xx) and the "sent" update: neither SMTP nor HTTP can commit
 * together with our database. The message then goes out again on the next claim after the
 * lease, carrying the same Message-ID (email) or idempotency token (SMS), derived from the
 * outbox idempotency key; exactly-once as the recipient sees it rests on the receiving side
 * deduplicating on that id (reminder-outbox.int.test.ts shows both halves).
 */
export class OutboxWorker {
	private readonly db: Database;
	private readonly transport: MailTransport | undefined;
	private readonly smsTransport: SmsTransport | undefined;
	private readonly channels: ('email' | 'sms')[];
	private readonly logger: Logger;
	private readonly pollIntervalMs: number;
	private readonly leaseMs: number;
	private readonly retryDelaysMs: number[];
	private readonly maxAttempts: number;
	private readonly batchSize: number;
	private readonly messageIdDomain: string;
	private timer: ReturnType<typeof setTimeout> | undefined;
	private running: Promise<void> | undefined;
	private again = false;
	private stopped = true;
	private unsubscribe: (() => void) | undefined;

	constructor(options: OutboxWorkerOptions) {
		this.db = options.db;
		this.transport = options.transport;
		this.smsTransport = options.smsTransport;
		this.channels = [...(options.transport ? (['email'] as const) : []), ...(options.smsTransport ? (['sms'] as const) : [])];
		this.logger = options.logger;
		this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
		this.leaseMs = options.leaseMs ?? 2 * 60_000;
		this.retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
		this.maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
		this.batchSize = options.batchSize ?? 10;
		this.messageIdDomain = options.messageIdDomain ?? 'clinicsync.local';
	}

	start(): void {
		if (!this.stopped) return;
		this.stopped = false;
		// The enqueuing transaction commits a moment after the nudge; look just after it.
		this.unsubscribe = onOutboxEnqueued(() => this.schedule(25));
		this.schedule(0);
	}

	/** Stops polling and waits for the round in progress, so the database can close after it. */
	async stop(): Promise<void> {
		this.stopped = true;
		this.unsubscribe?.();
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		await this.running;
		this.transport?.close();
		this.smsTransport?.close();
	}

	/** Runs one round now (tests, and the poll loop). Resolves with the number of messages handled. */
	async runOnce(): Promise<number> {
		const claimed = await this.claim();
		for (const message of claimed) await this.deliver(message);
		return claimed.length;
	}

	private schedule(delayMs: number): void {
		if (this.stopped) return;
		if (this.running) {
			this.again = true;
			return;
		}
		if (this.timer) clearTimeout(this.timer);
		this.timer = setTimeout(() => this.tick(), delayMs);
		this.timer.unref?.();
	}

	private tick(): void {
		this.timer = undefined;
		this.running = (async () => {
			try {
				let handled = await this.runOnce();
				// A full batch means more may be due; keep going without waiting.
				while (handled === this.batchSize && !this.stopped) handled = await this.runOnce();
			} catch (error) {
				// The database may be briefly unreachable; the next round tries again.
				this.logger.warn({ err: describeError(error) }, 'outbox round failed');
			}
		})().finally(() => {
			this.running = undefined;
			const soon = this.again;
			this.again = false;
			this.schedule(soon ? 0 : this.pollIntervalMs);
		});
	}

	private async claim(): Promise<OutboxMessage[]> {
		if (this.channels.length === 0) return [];
		const due = this.db
			.select({ id: outboxMessages.id })
			.from(outboxMessages)
			.where(
				and(
					inArray(outboxMessages.channel, this.channels),
					or(
						and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, sql`now()`)),
						// A 'sending' message whose lease ran out belongs to a worker that stopped mid-send.
						and(eq(outboxMessages.status, 'sending'), lt(outboxMessages.lockedUntil, sql`now()`))
					)
				)
			)
			.orderBy(asc(outboxMessages.nextAttemptAt))
			.limit(this.batchSize)
			.for('update', { skipLocked: true });
		return this.db
			.update(outboxMessages)
			.set({
				status: 'sending',
				attempts: sql`${outboxMessages.attempts} + 1`,
				lockedUntil: sql`now() + make_interval(secs => ${Math.ceil(this.leaseMs / 1000)})`
			})
			.where(inArray(outboxMessages.id, due))
			.returning();
	}

	private async deliver(message: OutboxMessage): Promise<void> {
		try {
			if (message.channel === 'sms') {
				const sms = message.payload as OutboxSms;
				await this.smsTransport!.send({ ...sms, idempotencyToken: smsIdempotencyTokenFor(message.idempotencyKey) });
			} else {
				const email = message.payload as OutboxEmail;
				await this.transport!.send({ ...email, messageId: messageIdFor(message.idempotencyKey, this.messageIdDomain) });
			}
		} catch (error) {
			await this.recordFailure(message, error);
			return;
		}
		// Only the lease holder marks it: a message reclaimed after a lost lease is not marked twice.
		await this.db
			.update(outboxMessages)
			.set({ status: 'sent', sentAt: new Date(), lockedUntil: null, lastError: null })
			.where(and(eq(outboxMessages.id, message.id), eq(outboxMessages.status, 'sending')));
		this.logger.info({ outboxMessageId: message.id, channel: message.channel, topic: message.topic, attempts: message.attempts }, `${message.channel} sent`);
	}

	private async recordFailure(message: OutboxMessage, error: unknown): Promise<void> {
		const lastError = describeSendError(error);
		const final = message.attempts >= this.maxAttempts;
		const delay = this.retryDelaysMs[Math.min(message.attempts - 1, this.retryDelaysMs.length - 1)] ?? 60_000;
		await this.db
			.update(outboxMessages)
			.set({
				status: final ? 'failed' : 'pending',
				lockedUntil: null,
				lastError,
				nextAttemptAt: final ? undefined : new Date(Date.now() + delay)
			})
			.where(and(eq(outboxMessages.id, message.id), eq(outboxMessages.status, 'sending')));
		this.logger.warn({ outboxMessageId: message.id, channel: message.channel, topic: message.topic, attempts: message.attempts, final, lastError }, `${message.channel} not sent`);
	}
}

/** A stable RFC 5322 Message-ID for an idempotency key (hashed: keys may hold characters an id may not). */
export function messageIdFor(idempotencyKey: string, domain: string): string {
	const digest = encodeHexLowerCase(sha256(new TextEncoder().encode(idempotencyKey))).slice(0, 40);
	return `<${digest}@${domain}>`;
}

/**
 * What goes into last_error and the logs: the kind of failure and the SMTP or HTTP status code,
 * never the server's text (it may quote the recipient or the message).
 */
export function describeSendError(error: unknown): string {
	if (error && typeof error === 'object') {
		const e = error as { code?: unknown; responseCode?: unknown; httpStatus?: unknown; name?: unknown; command?: unknown };
		const parts = [
			typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error',
			typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}` : null,
			typeof e.httpStatus === 'number' ? `HTTP ${e.httpStatus}` : null,
			typeof e.command === 'string' ? `during ${e.command.split(' ')[0]}` : null
		];
		return parts.filter(Boolean).join(' ').slice(0, 200);
	}
	return 'Error';
}

function describeError(error: unknown): { name: string; message: string } {
	return error instanceof Error ? { name: error.name, message: error.message.slice(0, 200) } : { name: 'Error', message: String(error).slice(0, 200) };
}
