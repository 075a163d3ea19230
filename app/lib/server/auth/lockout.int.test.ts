import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, outboxMessages, users, type User } from '../../../../db/schema/index';
import { createLogger } from '../platform/logger';
import { startMailDelivery, type MailDelivery } from '../mail/mail-delivery';
import { firstLink, startTestSmtpServer, type TestSmtpServer } from '../mail/test-smtp-server';
import { hashPassword } from './password';
import { signIn } from './sign-in';
import { maxFailedSignIns } from './lockout';

const context = { sessionTtlMs: 3600_000, origin: 'https://clinic.example', sourceAddress: '10.0.0.7' };

describe.each(testDatabaseKinds)('lockout (%s)', (kind) => {
	let t: TestDatabase;
	let smtp: TestSmtpServer;
	let mail: MailDelivery;
	let owner: User;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		smtp = await startTestSmtpServer();
		mail = startMailDelivery({ db: t.db, logger: createLogger('silent'), config: { smtpUrl: smtp.url, mailFrom: 'Lakeside <no-reply@lakeside.example>' }, pollIntervalMs: 100 });
		[owner] = (await t.db.insert(users).values({ email: 'billing@lakeside.example', displayName: 'Bea Billing', passwordHash: await hashPassword('lantern orbit kettle'), role: 'billing' }).returning()) as [User];
	});
	afterAll(async () => {
		await mail?.stop();
		await smtp?.close();
		await t?.drop();
	});

	it(`locks after ${maxFailedSignIns} wrong passwords and the owner receives the lockout email over SMTP`, async () => {
		for (let i = 0; i < maxFailedSignIns - 1; i++) {
			expect(await signIn(t.db, { email: owner.email, password: `wrong ${i}` }, context)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'account_locked'))).toHaveLength(0);
		expect(await signIn(t.db, { email: owner.email, password: 'wrong again' }, context)).toMatchObject({ ok: false, reason: 'invalid' });
		const locked = await signIn(t.db, { email: owner.email, password: 'lantern orbit kettle' }, context);
		expect(locked).toMatchObject({ ok: false, reason: 'locked' });
		if (!locked.ok) expect(locked.message).toMatch(/locked.*Try again in 15 minutes/);

		const email = await smtp.waitFor((e) => e.to.includes(owner.email));
		expect(email.subject).toBe('Your ClinicSync account was locked');
		expect(email.from).toContain('no-reply@lakeside.example');
		expect(firstLink(email.text)).toBe('https://clinic.example/reset-password');

		const [lockAudit] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'session.locked'), eq(auditEvents.actorUserId, owner.id)));
		expect(lockAudit).toMatchObject({ outcome: 'denied', sourceAddress: '10.0.0.7' });
		await expect.poll(async () => (await t.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'account_locked')))[0]?.status).toBe('sent');
	});

	it('sends one lockout email per lock, not one per refused attempt while locked', async () => {
		for (let i = 0; i < 3; i++) await signIn(t.db, { email: owner.email, password: 'still wrong' }, context);
		expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'account_locked'))).toHaveLength(1);
	});

	it('counts concurrent failures without losing any, and locks once', async () => {
		const [other] = (await t.db.insert(users).values({ email: 'twin@lakeside.example', displayName: 'Twin', passwordHash: await hashPassword('lantern orbit kettle'), role: 'billing' }).returning()) as [User];
		await Promise.all(Array.from({ length: maxFailedSignIns + 2 }, (_, i) => signIn(t.db, { email: other.email, password: `bad ${i}` }, context)));
		const [after] = await t.db.select().from(users).where(eq(users.id, other.id));
		expect(after!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
		expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.recipient, other.email))).toHaveLength(1);
	});
});
