/**
 * Sessions as Lucia's guide describes (lucia-auth.com, "Basic API"): a random token in an
 * httpOnly cookie; the database stores only SHA-256(token) as the session id; expiry slides
 * forward while the session is used.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { emitAccessEvent } from '../access/access-events';
import { sessions, users, type Session, type User } from '../../../../db/schema/index';
import { endSessionIfIdle, isLastSeenStale } from './idle-timeout';

export const sessionCookieName = 'clinicsync_session';

export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

export function sessionIdFromToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export interface SessionContext {
	userAgent?: string;
	sourceAddress?: string;
}

export async function createSession(
	db: Database,
	token: string,
	userId: string,
	ttlMs: number,
	context: SessionContext = {}
): Promise<Session> {
	const session = {
		id: sessionIdFromToken(token),
		userId,
		expiresAt: new Date(Date.now() + ttlMs),
		userAgent: (context.userAgent ?? '').slice(0, 300),
		sourceAddress: context.sourceAddress ?? ''
	};
	const [row] = await db.insert(sessions).values(session).returning();
	return row!;
}

export type SessionValidation = { session: Session; user: User } | { session: null; user: null };

/**
 * Returns the live session for a token, extending it when half its lifetime has passed. A session
 * idle for the clinic's timeout is ended here; last_seen_at is refreshed at most once a minute.
 */
export async function validateSessionToken(db: Database, token: string, ttlMs: number): Promise<SessionValidation> {
	if (!/^[a-z2-7]{32}$/.test(token)) return { session: null, user: null };
	const sessionId = sessionIdFromToken(token);
	const [row] = await db
		.select({ session: sessions, user: users })
		.from(sessions)
		.innerJoin(users, eq(sessions.userId, users.id))
		.where(eq(sessions.id, sessionId));
	if (!row) return { session: null, user: null };
	const { session, user } = row;
	const now = Date.now();
	if (now >= session.expiresAt.getTime() || !user.active) {
		await db.delete(sessions).where(eq(sessions.id, sessionId));
		return { session: null, user: null };
	}
	// Automatic logoff after the clinic's idle timeout (idle-timeout.ts).
	if (await endSessionIfIdle(db, session, user, now)) return { session: null, user: null };
	const extend = now >= session.expiresAt.getTime() - ttlMs / 2;
	if (extend || isLastSeenStale(session.lastSeenAt, now)) {
		if (extend) session.expiresAt = new Date(now + ttlMs);
		session.lastSeenAt = new Date(now);
		await db
			.update(sessions)
			.set({ expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt })
			.where(eq(sessions.id, sessionId));
	}
	return { session, user };
}

/** Ends one session; its open sockets (/collab, socket.io) close with it. */
export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
	const [ended] = await db.delete(sessions).where(eq(sessions.id, sessionId)).returning({ userId: sessions.userId });
	if (ended) emitAccessEvent({ kind: 'sessions-ended', userId: ended.userId, onlySessionId: sessionId, cause: 'sign-out' });
}

/** Ends every session of a person, and their open sockets. */
export async function invalidateUserSessions(db: Database, userId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.userId, userId));
	emitAccessEvent({ kind: 'sessions-ended', userId, cause: 'all sessions ended' });
}
