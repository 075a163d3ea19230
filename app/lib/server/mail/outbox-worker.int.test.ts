import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { outboxMessages } from '../../../../db/schema/index';
import { createLogger } from '../platform/logger';
import { enqueueEmail } from './outbox';
import { describeSendError, messageIdFor, OutboxWorker, type MailTransport } from './outbox-worker';
import { createSmtpTransport } from './smtp-transport';
import { startTestSmtpServer, type TestSmtpServer } from './test-smtp-server';

const logger = createLogger('silent');

describe.each(testDatabaseKinds)('outbox worker over real SMTP (%s)', (kind) => {
	let t: TestDatabase;
	let smtp: TestSmtpServer;
	const workers: OutboxWorker[] = [];
	const newWorker = (overrides: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {}) => {
		const worker = new OutboxWorker({ db: t.db, logger, transport: createSmtpTransport(smtp.url, 'Clinic <no-reply@clinic.test>'), messageIdDomain: 'clinic.test', pollIntervalMs: 50, retryDelaysMs: [0], ...overrides });
		workers.push(worker);
		return worker;
	};

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		smtp = await startTestSmtpServer();
	});
	afterEach(async () => {
		await Promise.all(workers.splice(0).map((w) => w.stop()));
	});
	afterAll(async () => {
		await smtp?.close();
		await t?.drop();
	});

	it('delivers a message once, with the Message-ID derived from its idempotency key, and marks it sent', async () => {
		await enqueueEmail(t.db, { idempotencyKey: 'test:one', topic: 'test', email: { to: 'one@example.org', subject: 'Hello one', text: 'Body one' } });
		newWorker().start();
		const email = await smtp.waitFor((e) => e.subject === 'Hello one');
		expect(email.text.trim()).toBe('Body one');
		expect(email.messageId).toBe(messageIdFor('test:one', 'clinic.test'));
		await expect.poll(async () => (await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:one')))[0]?.status).toBe('sent');
		const [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:one'));
		expect(row).toMatchObject({ attempts: 1, lastError: null, lockedUntil: null });
		expect(row!.sentAt).toBeInstanceOf(Date);
	});

	it('retries after the SMTP server refuses the first attempt, and sends exactly once', async () => {
		smtp.rejectNext(1);
		await enqueueEmail(t.db, { idempotencyKey: 'test:retry', topic: 'test', email: { to: 'two@example.org', subject: 'Hello retry', text: 'Body' } });
		const worker = newWorker({ retryDelaysMs: [10_000] });
		expect(await worker.runOnce()).toBe(1);
		let [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:retry'));
		expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'EMESSAGE SMTP 451 during DATA' });
		// Backoff: not due yet, so a round now sends nothing.
		expect(row!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 8_000);
		expect(await worker.runOnce()).toBe(0);
		await t.db.update(outboxMessages).set({ nextAttemptAt: new Date(Date.now() - 1) }).where(eq(outboxMessages.id, row!.id));
		expect(await worker.runOnce()).toBe(1);
		[row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:retry'));
		expect(row).toMatchObject({ status: 'sent', attempts: 2 });
		expect(await worker.runOnce()).toBe(0);
		expect(smtp.received.filter((e) => e.subject === 'Hello retry')).toHaveLength(1);
	});

	it('two workers racing over twenty messages send each exactly once', async () => {
		for (let i = 0; i < 20; i++) {
			await enqueueEmail(t.db, { idempotencyKey: `race:${i}`, topic: 'test', email: { to: `r${i}@example.org`, subject: `Race ${i}`, text: 'x' } });
		}
		const a = newWorker({ batchSize: 3 });
		const b = newWorker({ batchSize: 3 });
		await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
		a.start();
		b.start();
		for (let i = 0; i < 20; i++) await smtp.waitFor((e) => e.subject === `Race ${i}`);
		await expect.poll(async () => (await t.db.select().from(outboxMessages).where(eq(outboxMessages.status, 'sent'))).length).toBeGreaterThanOrEqual(22);
		const raced = smtp.received.filter((e) => e.subject.startsWith('Race '));
		expect(raced).toHaveLength(20);
		expect(new Set(raced.map((e) => e.messageId)).size).toBe(20);
	});

	it('does not touch a message another worker holds a live lease on, and reclaims it once the lease ran out', async () => {
		await enqueueEmail(t.db, { idempotencyKey: 'test:lease', topic: 'test', email: { to: 'lease@example.org', subject: 'Hello lease', text: 'x' } });
		await t.db.update(outboxMessages).set({ status: 'sending', attempts: 1, lockedUntil: new Date(Date.now() + 60_000) }).where(eq(outboxMessages.idempotencyKey, 'test:lease'));
		const worker = newWorker();
		expect(await worker.runOnce()).toBe(0);
		// The holder died mid-send: its lease expires, and the message goes out.
		await t.db.update(outboxMessages).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(outboxMessages.idempotencyKey, 'test:lease'));
		expect(await worker.runOnce()).toBe(1);
		const [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:lease'));
		expect(row).toMatchObject({ status: 'sent', attempts: 2 });
	});

	it('gives up after the last attempt with status failed and an error that quotes nothing of the message', async () => {
		const failing: MailTransport = {
			send: async (email) => {
				throw Object.assign(new Error(`550 mailbox ${email.to} unavailable`), { code: 'EENVELOPE', responseCode: 550 });
			},
			close: () => {}
		};
		await enqueueEmail(t.db, { idempotencyKey: 'test:fail', topic: 'test', email: { to: 'patient.name@example.org', subject: 'Secret subject', text: 'x' } });
		const worker = newWorker({ transport: failing, maxAttempts: 3, retryDelaysMs: [0] });
		for (let i = 0; i < 3; i++) expect(await worker.runOnce()).toBe(1);
		expect(await worker.runOnce()).toBe(0);
		const [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:fail'));
		expect(row).toMatchObject({ status: 'failed', attempts: 3, lastError: 'EENVELOPE SMTP 550' });
		expect(row!.lastError).not.toContain('patient.name');
	});

	it('leaves SMS messages alone (no SMS transport)', async () => {
		await t.db.insert(outboxMessages).values({ channel: 'sms', idempotencyKey: 'sms:1', recipient: '+15550100', topic: 'reminder', payload: { to: '+15550100', text: 'x' } });
		await newWorker().runOnce();
		const [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'sms:1'));
		expect(row!.status).toBe('pending');
	});
});

describe('describeSendError', () => {
	it('keeps the error kind and SMTP code, never the text', () => {
		expect(describeSendError(Object.assign(new Error('bad to@x.org'), { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }))).toBe('EAUTH SMTP 535 during AUTH');
		expect(describeSendError('string')).toBe('Error');
	});
});
