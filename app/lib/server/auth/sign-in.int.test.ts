import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, sessions, users } from '../../../../db/schema/index';
import { hashPassword } from './password';
import { maxFailedSignIns, signIn, type SignInResult } from './sign-in';
import { invalidateSession, sessionIdFromToken, validateSessionToken } from './session';

const hourMs = 3600_000;

/** The session token of a one-step sign-in; fails the test for anything else. */
function tokenOf(result: SignInResult): string {
	if (!result.ok || result.stage !== 'signed_in') throw new Error(`expected a session, got ${JSON.stringify(result.ok ? result.stage : result.reason)}`);
	return result.token;
}

describe.each(testDatabaseKinds)('sign-in and sessions (%s)', (kind) => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await createTestDatabase(kind);
		await t.db.insert(users).values([
			{ email: 'nurse@clinic.example', displayName: 'Nurse One', passwordHash: await hashPassword('correct horse battery'), role: 'nurse' },
			{ email: 'gone@clinic.example', displayName: 'Former Staff', passwordHash: await hashPassword('correct horse battery'), role: 'nurse', active: false }
		]);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('signs in with the right password, case-insensitive email, storing only the token hash', async () => {
		const token = tokenOf(await signIn(t.db, { email: 'NURSE@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs }));
		const [stored] = await t.db.select().from(sessions).where(eq(sessions.id, sessionIdFromToken(token)));
		expect(stored).toBeDefined();
		expect(stored!.id).not.toContain(token);
		const validated = await validateSessionToken(t.db, token, hourMs);
		expect(validated.user?.email).toBe('nurse@clinic.example');
	});

	it('gives a different token at each sign-in', async () => {
		const a = tokenOf(await signIn(t.db, { email: 'nurse@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs }));
		const b = tokenOf(await signIn(t.db, { email: 'nurse@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs }));
		expect(a).not.toBe(b);
	});

	it('forgets a signed-out session', async () => {
		const token = tokenOf(await signIn(t.db, { email: 'nurse@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs }));
		await invalidateSession(t.db, sessionIdFromToken(token));
		expect((await validateSessionToken(t.db, token, hourMs)).session).toBeNull();
	});

	it('slides the expiry forward once half the lifetime has passed, and drops expired sessions', async () => {
		const token = tokenOf(await signIn(t.db, { email: 'nurse@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs }));
		const id = sessionIdFromToken(token);
		await t.db.update(sessions).set({ expiresAt: new Date(Date.now() + hourMs / 4) }).where(eq(sessions.id, id));
		const extended = await validateSessionToken(t.db, token, hourMs);
		expect(extended.session!.expiresAt.getTime()).toBeGreaterThan(Date.now() + hourMs * 0.9);
		await t.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, id));
		expect((await validateSessionToken(t.db, token, hourMs)).session).toBeNull();
		expect(await t.db.select().from(sessions).where(eq(sessions.id, id))).toHaveLength(0);
	});

	it('rejects malformed tokens without a query error', async () => {
		expect((await validateSessionToken(t.db, "'; drop table users; --", hourMs)).session).toBeNull();
	});

	it('refuses a deactivated account', async () => {
		const result = await signIn(t.db, { email: 'gone@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs });
		expect(result).toMatchObject({ ok: false, reason: 'inactive' });
	});

	it(`locks the account after ${maxFailedSignIns} wrong passwords, even for the right one, and audits each attempt`, async () => {
		for (let i = 0; i < maxFailedSignIns; i++) {
			const wrong = await signIn(t.db, { email: 'nurse@clinic.example', password: `wrong ${i}` }, { sessionTtlMs: hourMs });
			expect(wrong).toMatchObject({ ok: false, reason: 'invalid' });
		}
		const locked = await signIn(t.db, { email: 'nurse@clinic.example', password: 'correct horse battery' }, { sessionTtlMs: hourMs });
		expect(locked).toMatchObject({ ok: false, reason: 'locked' });
		const failures = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'session.sign_in_failed'));
		expect(failures.length).toBeGreaterThanOrEqual(maxFailedSignIns + 1);
	});

	it('answers an unknown email like a wrong password', async () => {
		const result = await signIn(t.db, { email: 'nobody@clinic.example', password: 'whatever' }, { sessionTtlMs: hourMs });
		expect(result).toMatchObject({ ok: false, reason: 'invalid', message: 'That email and password do not match an account.' });
	});
});
