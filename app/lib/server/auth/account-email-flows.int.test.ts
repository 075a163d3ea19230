/**
 * Password reset and invitations end to end through the real server: the email leaves through
 * the outbox worker over SMTP to a real smtp-server on loopback, is parsed with mailparser, and
 * its link is followed through the server's pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabaseKinds } from '../../../../db/testing';
import { auditEvents, clinics, oneTimeTokens, outboxMessages, users, type User } from '../../../../db/schema/index';
import { signInCookie, startTestServer, type TestServer } from '../../../../server/testing';
import { firstLink, startTestSmtpServer, type TestSmtpServer } from '../mail/test-smtp-server';
import { hashPassword } from './password';
import { inviteUser } from './invitations';

const oldPassword = 'lantern orbit kettle';
const newPassword = 'quiet harbour violin 9';

describe.each(testDatabaseKinds)('emailed account links through the real server (%s)', (kind) => {
	let t: TestServer;
	let smtp: TestSmtpServer;
	let user: User;

	const post = (path: string, fields: Record<string, string>, cookie?: string) =>
		fetch(`${t.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: t.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
			body: new URLSearchParams(fields)
		});

	beforeAll(async () => {
		smtp = await startTestSmtpServer();
		t = await startTestServer(kind, { SMTP_URL: smtp.url, MAIL_FROM: 'Lakeside Clinic <no-reply@lakeside.example>' });
		await t.database.db.insert(clinics).values({ name: 'Lakeside Clinic', timeZone: 'UTC', mfaRequiredRoles: [] });
		[user] = (await t.database.db.insert(users).values({ email: 'billing@lakeside.example', displayName: 'Bea Billing', passwordHash: await hashPassword(oldPassword), role: 'billing' }).returning()) as [User];
	});
	afterAll(async () => {
		await t?.stop();
		await smtp?.close();
	});

	it('answers a reset request the same for unknown and known addresses', async () => {
		const unknown = await post('/reset-password', { email: 'nobody@lakeside.example' });
		const known = await post('/reset-password', { email: 'BILLING@lakeside.example' });
		expect(unknown.status).toBe(200);
		expect(known.status).toBe(200);
		const [a, b] = [await unknown.text(), await known.text()];
		expect(a).toContain('If an account exists for that address, we sent it a link');
		expect(b).toContain('If an account exists for that address, we sent it a link');
		const queued = await t.database.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'password_reset'));
		expect(queued.map((m) => m.recipient)).toEqual([user.email]);
	});

	it('resets the password with the emailed link once and only once: sessions end, lockout clears, audited', async () => {
		const before = await signInCookie(t.url, user.email, oldPassword);
		await t.database.db.update(users).set({ lockedUntil: new Date(Date.now() + 600_000), failedSignIns: 3 }).where(eq(users.id, user.id));

		const email = await smtp.waitFor((e) => e.subject === 'Reset your ClinicSync password');
		expect(email.to).toContain(user.email);
		expect(email.from).toContain('no-reply@lakeside.example');
		const link = firstLink(email.text);
		expect(link.startsWith(`${t.url}/reset-password/${user.id}.`)).toBe(true);
		const path = link.slice(t.url.length);

		// Looking at the page does not spend the link.
		for (let i = 0; i < 2; i++) {
			const page = await fetch(link);
			expect(page.status).toBe(200);
			expect(await page.text()).toContain('Set new password');
		}
		// A password the policy refuses leaves the link usable.
		const weak = await post(path, { newPassword: 'password1234', repeatPassword: 'password1234' });
		expect(weak.status).toBe(400);
		expect(await weak.text()).toContain('commonly used passwords');

		const done = await post(path, { newPassword, repeatPassword: newPassword });
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('/sign-in?reset=done');

		const again = await post(path, { newPassword: 'another fine passphrase', repeatPassword: 'another fine passphrase' });
		expect(again.status).toBe(410);
		expect(await again.text()).toContain('expired or was already used');
		expect(await (await fetch(link)).text()).toContain('expired or was already used');

		// The session from before the reset opens nothing now.
		const old = await fetch(`${t.url}/account`, { redirect: 'manual', headers: { cookie: before } });
		expect(old.headers.get('location')).toBe('/sign-in');
		const [after] = await t.database.db.select().from(users).where(eq(users.id, user.id));
		expect(after).toMatchObject({ lockedUntil: null, failedSignIns: 0 });
		await expect(signInCookie(t.url, user.email, oldPassword)).rejects.toThrow();
		const cookie = await signInCookie(t.url, user.email, newPassword);
		expect((await fetch(`${t.url}/account`, { redirect: 'manual', headers: { cookie } })).status).toBe(200);
		const audits = await t.database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'password.reset'), eq(auditEvents.resourceId, user.id)));
		expect(audits).toHaveLength(1);
	});

	it('refuses a reset link after its hour', async () => {
		const seen = smtp.received.length;
		expect((await post('/reset-password', { email: user.email })).status).toBe(200);
		const email = await smtp.waitFor((e) => smtp.received.indexOf(e) >= seen && e.subject === 'Reset your ClinicSync password');
		const link = firstLink(email.text);
		await t.database.db
			.update(oneTimeTokens)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(and(eq(oneTimeTokens.userId, user.id), eq(oneTimeTokens.purpose, 'password_reset')));
		expect(await (await fetch(link)).text()).toContain('expired or was already used');
		const late = await post(link.slice(t.url.length), { newPassword: 'another fine passphrase', repeatPassword: 'another fine passphrase' });
		expect(late.status).toBe(410);
		await signInCookie(t.url, user.email, newPassword);
	});

	it('delivers an invitation; its link sets the password, signs the person in, and works once', async () => {
		const { userId } = await inviteUser(t.database.db, null, { email: 'new.nurse@lakeside.example', displayName: 'Nina Nurse', role: 'nurse' }, { origin: t.url });
		const email = await smtp.waitFor((e) => e.to.includes('new.nurse@lakeside.example'));
		expect(email.subject).toBe('Your Lakeside Clinic account');
		const link = firstLink(email.text);
		expect(link.startsWith(`${t.url}/invite/${userId}.`)).toBe(true);
		const page = await fetch(link);
		expect(await page.text()).toContain('Welcome to Lakeside Clinic');
		const accepted = await post(link.slice(t.url.length), { newPassword, repeatPassword: newPassword });
		expect(accepted.status).toBe(303);
		expect(accepted.headers.get('location')).toBe('/patients');
		const cookie = accepted.headers.getSetCookie().find((c) => c.startsWith('clinicsync_session='))!.split(';')[0]!;
		const account = await fetch(`${t.url}/account`, { headers: { cookie } });
		expect(await account.text()).toContain('new.nurse@lakeside.example');
		const reused = await post(link.slice(t.url.length), { newPassword: 'another fine passphrase', repeatPassword: 'another fine passphrase' });
		expect(reused.status).toBe(410);
		const audits = await t.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.invite_accepted'));
		expect(audits.map((a) => a.resourceId)).toEqual([userId]);
	});

	it('keeps /dev/mailbox closed unless DEV_MAILBOX=1, and /admin/outbox for administrators only', async () => {
		expect((await fetch(`${t.url}/dev/mailbox`)).status).toBe(404);
		const cookie = await signInCookie(t.url, user.email, newPassword);
		expect((await fetch(`${t.url}/admin/outbox`, { headers: { cookie } })).status).toBe(403);
		const [admin] = await t.database.db.insert(users).values({ email: 'admin@lakeside.example', displayName: 'Ada Admin', passwordHash: await hashPassword(oldPassword), role: 'clinic_admin' }).returning();
		const adminCookie = await signInCookie(t.url, admin!.email, oldPassword);
		const page = await fetch(`${t.url}/admin/outbox`, { headers: { cookie: adminCookie } });
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('billing@lakeside.example');
		expect(html).toContain('Password reset');
		// Recipients and topics, never bodies: no link of any email appears.
		expect(html).not.toContain('/reset-password/');
		expect(html).not.toContain('/invite/');
	});
});
