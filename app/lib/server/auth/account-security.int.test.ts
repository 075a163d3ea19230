import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, clinics, outboxMessages, sessions, users, type User } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { changePassword, describeUserAgent, listSessions, revokeSession, signOutEverywhere } from './account-security';
import { hashPassword, verifyPassword } from './password';
import { createSession, generateSessionToken, sessionIdFromToken } from './session';

const hourMs = 3600_000;

describe.each(testDatabaseKinds)('account security (%s)', (kind) => {
	let t: TestDatabase;
	let user: User;
	let stranger: User;

	async function newSession(userId: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0'): Promise<string> {
		const token = generateSessionToken();
		await createSession(t.db, token, userId, hourMs, { userAgent, sourceAddress: '192.0.2.1' });
		return sessionIdFromToken(token);
	}
	function actorFor(u: User, sessionId: string): Actor {
		return { userId: u.id, role: u.role, displayName: u.displayName, practitionerId: null, patientId: null, sessionId, sourceAddress: '192.0.2.1', requestId: null };
	}

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		await t.db.insert(clinics).values({ name: 'Lakeside Clinic', timeZone: 'UTC' });
		[user] = (await t.db.insert(users).values({ email: 'maria.lopez@example.org', displayName: 'Maria', passwordHash: await hashPassword('lantern orbit kettle'), role: 'patient' }).returning()) as [User];
		[stranger] = (await t.db.insert(users).values({ email: 'other@example.org', displayName: 'Other', passwordHash: 'x', role: 'patient' }).returning()) as [User];
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('changes the password only with the current one and by the policy, ending every other session', async () => {
		const here = await newSession(user.id);
		const elsewhere = await newSession(user.id, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1');
		const actor = actorFor(user, here);
		expect(await changePassword(t.db, actor, { currentPassword: 'wrong', newPassword: 'quiet harbour violin' })).toMatchObject({ ok: false, field: 'currentPassword' });
		expect(await changePassword(t.db, actor, { currentPassword: 'lantern orbit kettle', newPassword: 'MariaLopez2026!' })).toMatchObject({ ok: false, field: 'newPassword' });
		expect(await changePassword(t.db, actor, { currentPassword: 'lantern orbit kettle', newPassword: 'lantern orbit kettle' })).toMatchObject({ ok: false, field: 'newPassword' });
		expect(await changePassword(t.db, actor, { currentPassword: 'lantern orbit kettle', newPassword: 'quiet harbour violin' })).toEqual({ ok: true });

		const [after] = await t.db.select().from(users).where(eq(users.id, user.id));
		expect(await verifyPassword(after!.passwordHash, 'quiet harbour violin')).toBe(true);
		const left = await t.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id));
		expect(left.map((s) => s.id)).toEqual([here]);
		expect(left.map((s) => s.id)).not.toContain(elsewhere);
		expect(await t.db.select().from(outboxMessages).where(and(eq(outboxMessages.recipient, user.email), eq(outboxMessages.topic, 'password_changed')))).toHaveLength(1);
		const audits = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'password.change'));
		expect(audits.map((a) => a.outcome).sort()).toEqual(['failure', 'success']);
	});

	it('lists the sessions with the current one marked, and ends only the person’s own', async () => {
		const here = (await t.db.select().from(sessions).where(eq(sessions.userId, user.id)))[0]!.id;
		const phone = await newSession(user.id, 'Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile');
		const theirs = await newSession(stranger.id);
		const actor = actorFor(user, here);
		const list = await listSessions(t.db, actor);
		expect(list).toHaveLength(2);
		expect(list.find((s) => s.current)?.id).toBe(here);
		expect(list.map((s) => describeUserAgent(s.userAgent)).sort()).toEqual(['Chrome on Android', 'Chrome on Linux']);

		expect(await revokeSession(t.db, actor, theirs)).toBe(false);
		expect(await t.db.select().from(sessions).where(eq(sessions.id, theirs))).toHaveLength(1);
		expect(await revokeSession(t.db, actor, phone)).toBe(true);
		expect(await t.db.select().from(sessions).where(eq(sessions.id, phone))).toHaveLength(0);

		expect(await signOutEverywhere(t.db, actor)).toBe(1);
		expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
		expect(await t.db.select().from(sessions).where(eq(sessions.id, theirs))).toHaveLength(1);
		expect((await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'session.revoke'))).length).toBe(2);
	});
});
