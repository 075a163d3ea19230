/**
 * What a signed-in person does to their own account: change the password, see and end their
 * sessions. Each change is audited.
 */
import { emitAccessEvent } from '../access/access-events';
import { and, desc, eq, ne } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { sessions, users, type User } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { recordAuditEvent } from '../audit/audit-log';
import { getClinic } from '../clinic/clinic';
import { enqueueEmail } from '../mail/outbox';
import { generateLinkToken, revokeTokens } from './one-time-tokens';
import { hashPassword, verifyPassword } from './password';
import { checkPassword } from './password-policy';

export async function getAccountUser(db: Database, userId: string): Promise<User | null> {
	const [user] = await db.select().from(users).where(eq(users.id, userId));
	return user ?? null;
}

/** Checks the password of a signed-in person before a sensitive change (turning off MFA…). */
export async function confirmPassword(db: Database, userId: string, password: string): Promise<boolean> {
	const user = await getAccountUser(db, userId);
	return !!user && (await verifyPassword(user.passwordHash, password));
}

export type ChangePasswordResult = { ok: true } | { ok: false; field: 'currentPassword' | 'newPassword'; message: string };

/**
 * Requires the current password; the new one must meet the policy. Every other session of the
 * person ends (a thief's included); the current one stays. Outstanding reset links die too,
 * and the owner is told by email.
 */
export async function changePassword(
	db: Database,
	actor: Actor,
	input: { currentPassword: string; newPassword: string }
): Promise<ChangePasswordResult> {
	const user = await getAccountUser(db, actor.userId);
	if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
		await recordAuditEvent(db, actor, { action: 'password.change', outcome: 'failure', resourceType: 'user', resourceId: actor.userId, reason: 'wrong current password' });
		return { ok: false, field: 'currentPassword', message: 'That is not your current password.' };
	}
	const clinic = await getClinic(db);
	const problem = checkPassword(input.newPassword, { email: user.email, clinicName: clinic?.name });
	if (problem) return { ok: false, field: 'newPassword', message: problem };
	if (await verifyPassword(user.passwordHash, input.newPassword)) {
		return { ok: false, field: 'newPassword', message: 'Choose a password different from your current one.' };
	}
	const passwordHash = await hashPassword(input.newPassword);
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await tx.update(users).set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() }).where(eq(users.id, user.id));
		await tx.delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.id, actor.sessionId)));
		await revokeTokens(tx, user.id, 'password_reset');
		await enqueueEmail(tx, {
			idempotencyKey: `password-changed:${user.id}:${generateLinkToken()}`,
			topic: 'password_changed',
			email: {
				to: user.email,
				subject: 'Your ClinicSync password was changed',
				text: [
					'Hello,',
					'',
					'The password of your ClinicSync account was just changed, and every other device was signed out.',
					'If you did not do this, reset your password at once from the sign-in page ("Forgot your password?") and tell your clinic.'
				].join('\n')
			}
		});
		await recordAuditEvent(tx, actor, { action: 'password.change', outcome: 'success', resourceType: 'user', resourceId: user.id, reason: 'other sessions ended' });
	});
	return { ok: true };
}

export interface SessionSummary {
	/** An opaque handle for the revoke form: the stored id is already a hash of the token. */
	id: string;
	userAgent: string;
	sourceAddress: string;
	createdAt: Date;
	lastSeenAt: Date;
	current: boolean;
}

export async function listSessions(db: Database, actor: Actor): Promise<SessionSummary[]> {
	const rows = await db.select().from(sessions).where(eq(sessions.userId, actor.userId)).orderBy(desc(sessions.lastSeenAt));
	const now = Date.now();
	return rows
		.filter((s) => s.expiresAt.getTime() > now)
		.map((s) => ({ id: s.id, userAgent: s.userAgent, sourceAddress: s.sourceAddress, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, current: s.id === actor.sessionId }));
}

/** Ends one of the person's own sessions; false when there is no such session of theirs. */
export async function revokeSession(db: Database, actor: Actor, sessionId: string): Promise<boolean> {
	const removed = await db
		.delete(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.userId, actor.userId)))
		.returning({ id: sessions.id });
	if (removed.length === 0) return false;
	await recordAuditEvent(db, actor, { action: 'session.revoke', outcome: 'success', resourceType: 'user', resourceId: actor.userId, reason: sessionId === actor.sessionId ? 'this session' : 'another session' });
	return true;
}

/** Ends every session of the person, this one included. */
export async function signOutEverywhere(db: Database, actor: Actor): Promise<number> {
	const removed = await db.delete(sessions).where(eq(sessions.userId, actor.userId)).returning({ id: sessions.id });
	emitAccessEvent({ kind: 'sessions-ended', userId: actor.userId, cause: 'signed out everywhere' });
	await recordAuditEvent(db, actor, { action: 'session.revoke', outcome: 'success', resourceType: 'user', resourceId: actor.userId, reason: `all sessions (${removed.length})` });
	return removed.length;
}

/** "Firefox on Windows" from a user agent string, for the session list. */
export function describeUserAgent(userAgent: string): string {
	if (!userAgent) return 'Unknown device';
	const browser = /Edg\//.test(userAgent)
		? 'Edge'
		: /Firefox\//.test(userAgent)
			? 'Firefox'
			: /Chrome\/|Chromium\//.test(userAgent)
				? 'Chrome'
				: /Safari\//.test(userAgent)
					? 'Safari'
					: /node|undici|curl/i.test(userAgent)
						? 'A program'
						: 'A browser';
	const system = /Android/.test(userAgent)
		? 'Android'
		: /iPhone|iPad/.test(userAgent)
			? 'iOS'
			: /Windows/.test(userAgent)
				? 'Windows'
				: /Mac OS X|Macintosh/.test(userAgent)
					? 'macOS'
					: /Linux/.test(userAgent)
						? 'Linux'
						: null;
	return system ? `${browser} on ${system}` : browser;
}
