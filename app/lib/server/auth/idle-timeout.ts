/**
 * Automatic logoff, the server half (HIPAA §164.312(a)(2)(iii)): a session nobody has used for
 * the clinic's idle timeout is over. This rule is the authoritative one; the browser's warning
 * dialog (app/lib/components/IdleLogoff.svelte) only makes it visible.
 *
 * `sessions.last_seen_at` is refreshed by authenticated requests at most once a minute (one
 * write a minute rather than one per request), so the rule has a minute's granularity; the
 * browser's keepalive refreshes it at once.
 */
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics, sessions, type Session, type User } from '../../../../db/schema/index';
import { recordAuditEvent } from '../audit/audit-log';

/** The schema's default, used before a clinic exists (the setup page). */
export const defaultIdleTimeoutMinutes = 15;
export const minIdleTimeoutMinutes = 5;
export const maxIdleTimeoutMinutes = 60;
/** last_seen_at is written when it is at least this old. */
export const lastSeenRefreshMs = 60_000;
/** How long a read of the clinic's setting is reused; a change made here clears it at once. */
const settingCacheMs = 30_000;

/**
 * On globalThis for the reason runtime.ts gives: the SvelteKit bundle (which changes the
 * setting) and the server entry (socket.io and /collab, which also validate sessions) each have
 * their own copy of this module, and both must forget a changed setting.
 */
const cacheKey = Symbol.for('clinicsync.idle-timeout-minutes');
type CacheHolder = { [cacheKey]?: WeakMap<Database, { minutes: number; readAt: number }> };

function cache(): WeakMap<Database, { minutes: number; readAt: number }> {
	return ((globalThis as CacheHolder)[cacheKey] ??= new WeakMap());
}

export async function idleTimeoutMinutes(db: Database, now = Date.now()): Promise<number> {
	const cached = cache().get(db);
	if (cached && now - cached.readAt < settingCacheMs && now >= cached.readAt) return cached.minutes;
	const [clinic] = await db.select({ minutes: clinics.idleTimeoutMinutes }).from(clinics).orderBy(asc(clinics.createdAt)).limit(1);
	const minutes = clinic?.minutes ?? defaultIdleTimeoutMinutes;
	cache().set(db, { minutes, readAt: now });
	return minutes;
}

/** Call after changing clinics.idle_timeout_minutes so the next request uses the new value. */
export function forgetIdleTimeout(db: Database): void {
	cache().delete(db);
}

export function isIdle(lastSeenAt: Date, now: number, timeoutMinutes: number): boolean {
	return now - lastSeenAt.getTime() >= timeoutMinutes * 60_000;
}

export function isLastSeenStale(lastSeenAt: Date, now: number): boolean {
	return now - lastSeenAt.getTime() >= lastSeenRefreshMs;
}

/**
 * Ends the session when it has been idle for the clinic's timeout: deletes it and audits
 * 'session.idle_timeout'. Returns true when the session is over. Called by
 * validateSessionToken, so pages, /collab and socket.io all apply it.
 */
export async function endSessionIfIdle(
	db: Database,
	session: Pick<Session, 'id' | 'lastSeenAt'>,
	user: Pick<User, 'id' | 'role'>,
	now = Date.now()
): Promise<boolean> {
	const minutes = await idleTimeoutMinutes(db, now);
	if (!isIdle(session.lastSeenAt, now, minutes)) return false;
	const deleted = await db.delete(sessions).where(eq(sessions.id, session.id)).returning({ id: sessions.id });
	// Two requests racing on one idle session: only the one that removed it writes the event.
	if (deleted.length > 0) {
		await recordAuditEvent(db, { userId: user.id, role: user.role }, {
			action: 'session.idle_timeout',
			outcome: 'success',
			resourceType: 'session',
			reason: `no activity for ${minutes} minutes`
		});
	}
	return true;
}

/** The browser's keepalive: the person is there, whatever the once-a-minute throttle says. */
export async function touchSession(db: Database, sessionId: string, now = new Date()): Promise<void> {
	await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
}
