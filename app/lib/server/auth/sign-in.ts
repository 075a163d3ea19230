import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users, type User } from '../../../../db/schema/index';
import { recordAuditEvent } from '../audit/audit-log';
import { burnPasswordCheck, verifyPassword } from './password';
import { createSession, generateSessionToken, type SessionContext } from './session';

export const maxFailedSignIns = 5;
export const lockoutMs = 15 * 60_000;

export type SignInResult =
	| { ok: true; user: User; token: string; expiresAt: Date }
	| { ok: false; reason: 'invalid' | 'locked' | 'inactive'; message: string };

const invalid = { ok: false, reason: 'invalid', message: 'That email and password do not match an account.' } as const;

/**
 * Email + password → a new session. A fresh token every time (no session fixation). Each
 * attempt is audited; after five failures the account locks for 15 minutes.
 */
export async function signIn(
	db: Database,
	credentials: { email: string; password: string },
	context: SessionContext & { sessionTtlMs: number; requestId?: string | null }
): Promise<SignInResult> {
	const subject = { sourceAddress: context.sourceAddress ?? null, requestId: context.requestId ?? null };
	const [user] = await db
		.select()
		.from(users)
		.where(sql`lower(${users.email}) = ${credentials.email.toLowerCase()}`);
	if (!user) {
		await burnPasswordCheck(credentials.password);
		await recordAuditEvent(db, subject, { action: 'session.sign_in_failed', outcome: 'failure', reason: 'unknown account' });
		return invalid;
	}
	const asUser = { ...subject, userId: user.id, role: user.role };
	if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'denied', reason: 'locked' });
		const minutes = Math.ceil((user.lockedUntil.getTime() - Date.now()) / 60_000);
		return { ok: false, reason: 'locked', message: `This account is locked after too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` };
	}
	if (!(await verifyPassword(user.passwordHash, credentials.password))) {
		const failures = user.failedSignIns + 1;
		const lock = failures >= maxFailedSignIns;
		await db
			.update(users)
			.set({ failedSignIns: lock ? 0 : failures, lockedUntil: lock ? new Date(Date.now() + lockoutMs) : user.lockedUntil })
			.where(eq(users.id, user.id));
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'failure', reason: lock ? 'wrong password; locked' : 'wrong password' });
		return invalid;
	}
	if (!user.active) {
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'denied', reason: 'inactive' });
		return { ok: false, reason: 'inactive', message: 'This account has been deactivated. Ask your clinic administrator.' };
	}
	if (user.failedSignIns > 0 || user.lockedUntil) {
		await db.update(users).set({ failedSignIns: 0, lockedUntil: null }).where(eq(users.id, user.id));
	}
	const token = generateSessionToken();
	const session = await createSession(db, token, user.id, context.sessionTtlMs, context);
	await recordAuditEvent(db, asUser, { action: 'session.sign_in', outcome: 'success' });
	return { ok: true, user, token, expiresAt: session.expiresAt };
}
