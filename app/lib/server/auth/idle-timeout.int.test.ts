import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, clinics, sessions, users } from '../../../../db/schema/index';
import { resolveActor } from './actor-from-session';
import { forgetIdleTimeout, idleTimeoutMinutes, touchSession } from './idle-timeout';
import { createSession, generateSessionToken, sessionIdFromToken, validateSessionToken } from './session';

const ttlMs = 12 * 3_600_000;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/**
 * Automatic logoff, the server rule: the test moves last_seen_at into the past in the database
 * rather than waiting, and checks what the next request sees.
 */
describe.each(testDatabaseKinds)('idle timeout of sessions (%s)', (kind) => {
	let t: TestDatabase;
	let userId: string;
	let clinicId: string;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		const [clinic] = await t.db.insert(clinics).values({ name: 'Idle Test Clinic', timeZone: 'UTC' }).returning();
		clinicId = clinic!.id;
		const [user] = await t.db.insert(users).values({ email: 'idle@clinic.test', displayName: 'Ida Idle', passwordHash: 'x', role: 'nurse' }).returning();
		userId = user!.id;
	});
	afterAll(async () => {
		await t?.drop();
	});

	async function sessionSeen(minutes: number): Promise<string> {
		const token = generateSessionToken();
		await createSession(t.db, token, userId, ttlMs);
		await t.db.update(sessions).set({ lastSeenAt: minutesAgo(minutes) }).where(eq(sessions.id, sessionIdFromToken(token)));
		return token;
	}
	const lastSeen = async (token: string) => (await t.db.select().from(sessions).where(eq(sessions.id, sessionIdFromToken(token))))[0]?.lastSeenAt;
	const idleEvents = () => t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'session.idle_timeout'), eq(auditEvents.actorUserId, userId)));

	it('uses the clinic default of 15 minutes', async () => {
		expect(await idleTimeoutMinutes(t.db)).toBe(15);
	});

	it('ends a session unused for the timeout: deleted and audited once', async () => {
		const token = await sessionSeen(15.5);
		expect((await validateSessionToken(t.db, token, ttlMs)).session).toBeNull();
		expect(await lastSeen(token)).toBeUndefined();
		const events = await idleEvents();
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ outcome: 'success', actorRole: 'nurse', reason: 'no activity for 15 minutes' });
		// The same token again is simply unknown.
		expect((await validateSessionToken(t.db, token, ttlMs)).session).toBeNull();
		expect(await idleEvents()).toHaveLength(1);
	});

	it('keeps a session used within the timeout, writing last_seen_at at most once a minute', async () => {
		const recent = await sessionSeen(0.5);
		const before = await lastSeen(recent);
		expect((await validateSessionToken(t.db, recent, ttlMs)).session).not.toBeNull();
		expect(await lastSeen(recent)).toEqual(before);

		const older = await sessionSeen(14);
		const started = Date.now();
		const validated = await validateSessionToken(t.db, older, ttlMs);
		expect(validated.session).not.toBeNull();
		expect((await lastSeen(older))!.getTime()).toBeGreaterThanOrEqual(started);
	});

	it('a refreshed last_seen_at alone does not count as extending the session cookie', async () => {
		const token = await sessionSeen(5);
		const resolved = await resolveActor(t.db, token, ttlMs, { sourceAddress: null, requestId: null });
		expect(resolved?.extended).toBe(false);
		// Half the lifetime gone: the expiry moves, and the cookie must be sent again.
		await t.db.update(sessions).set({ expiresAt: new Date(Date.now() + ttlMs / 4) }).where(eq(sessions.id, sessionIdFromToken(token)));
		const extended = await resolveActor(t.db, token, ttlMs, { sourceAddress: null, requestId: null });
		expect(extended?.extended).toBe(true);
	});

	it('follows the clinic setting once it changes', async () => {
		await t.db.update(clinics).set({ idleTimeoutMinutes: 30 }).where(eq(clinics.id, clinicId));
		forgetIdleTimeout(t.db);
		const token = await sessionSeen(20);
		expect((await validateSessionToken(t.db, token, ttlMs)).session).not.toBeNull();
		await t.db.update(clinics).set({ idleTimeoutMinutes: 5 }).where(eq(clinics.id, clinicId));
		forgetIdleTimeout(t.db);
		const stale = await sessionSeen(6);
		expect((await validateSessionToken(t.db, stale, ttlMs)).session).toBeNull();
		await t.db.update(clinics).set({ idleTimeoutMinutes: 15 }).where(eq(clinics.id, clinicId));
		forgetIdleTimeout(t.db);
	});

	it('the keepalive refreshes last_seen_at at once', async () => {
		const token = await sessionSeen(14.9);
		await touchSession(t.db, sessionIdFromToken(token));
		expect(Date.now() - (await lastSeen(token))!.getTime()).toBeLessThan(5_000);
	});
});
