import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, clinics, outboxMessages, users, type OutboxEmail } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccountExists, InvitationNotPending, inviteUser, resendInvitation } from './invitations';
import { consumeLinkToken } from './one-time-tokens';
import { verifyPassword } from './password';

describe.each(testDatabaseKinds)('inviteUser (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;
	beforeAll(async () => {
		t = await createTestDatabase(kind);
		await t.db.insert(clinics).values({ name: 'Lakeside Clinic', timeZone: 'UTC' });
		const [row] = await t.db.insert(users).values({ email: 'admin@lakeside.example', displayName: 'Ada Admin', passwordHash: 'x', role: 'clinic_admin' }).returning();
		admin = { userId: row!.id, role: 'clinic_admin', displayName: 'Ada Admin', practitionerId: null, patientId: null, sessionId: 's', sourceAddress: '127.0.0.1', requestId: null };
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('creates an account nobody can sign in to, emails a one-hour link, and audits user.invite', async () => {
		const { userId } = await inviteUser(t.db, admin, { email: ' New.Nurse@Lakeside.example ', displayName: 'Nina Nurse', role: 'nurse' }, { origin: 'https://clinic.example/' });
		const [user] = await t.db.select().from(users).where(eq(users.id, userId));
		expect(user).toMatchObject({ email: 'new.nurse@lakeside.example', role: 'nurse', active: true });
		expect(await verifyPassword(user!.passwordHash, '')).toBe(false);

		const [message] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.recipient, 'new.nurse@lakeside.example'));
		expect(message).toMatchObject({ topic: 'invitation', status: 'pending', channel: 'email' });
		const text = (message!.payload as OutboxEmail).text;
		const match = text.match(/https:\/\/clinic\.example\/invite\/([0-9a-f-]{36})\.([a-z2-7]+)/);
		expect(match?.[1]).toBe(userId);
		expect(text).toContain('Lakeside Clinic');
		expect(await consumeLinkToken(t.db, 'invitation', userId, match![2]!)).toBe(true);
		expect(await consumeLinkToken(t.db, 'invitation', userId, match![2]!)).toBe(false);

		const [audit] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.invite'));
		expect(audit).toMatchObject({ actorUserId: admin.userId, resourceId: userId, outcome: 'success' });
	});

	it('throws AccountExists for a taken address, whatever its case, and leaves no trace', async () => {
		const before = await t.db.select().from(outboxMessages);
		await expect(inviteUser(t.db, null, { email: 'ADMIN@lakeside.example', displayName: 'Dup', role: 'patient' }, { origin: 'http://x' })).rejects.toBeInstanceOf(AccountExists);
		expect(await t.db.select().from(outboxMessages)).toHaveLength(before.length);
	});

	it('invites without an acting person (actor null)', async () => {
		const { userId } = await inviteUser(t.db, null, { email: 'friend@elsewhere.example', displayName: 'Outside Doctor', role: 'external' }, { origin: 'http://localhost:3000' });
		const audits = await t.db.select().from(auditEvents).where(eq(auditEvents.resourceId, userId));
		expect(audits).toHaveLength(1);
		expect(audits[0]!.actorUserId).toBeNull();
	});

	it('sends a new link again, after which only the newest works; refuses once a password was chosen', async () => {
		const { userId } = await inviteUser(t.db, admin, { email: 'again@lakeside.example', displayName: 'Again', role: 'front_desk' }, { origin: 'http://x' });
		await resendInvitation(t.db, admin, userId, { origin: 'http://x' });
		const messages = await t.db.select().from(outboxMessages).where(eq(outboxMessages.recipient, 'again@lakeside.example'));
		expect(messages).toHaveLength(2);
		const tokens = messages.map((m) => /\/invite\/[0-9a-f-]{36}\.([a-z2-7]+)/.exec((m.payload as OutboxEmail).text)![1]!);
		expect(tokens[0]).not.toBe(tokens[1]);
		const results = await Promise.all(tokens.map((token) => consumeLinkToken(t.db, 'invitation', userId, token)));
		expect(results.filter(Boolean)).toHaveLength(1);
		await expect(resendInvitation(t.db, admin, admin.userId, { origin: 'http://x' })).rejects.toBeInstanceOf(InvitationNotPending);
	});
});
