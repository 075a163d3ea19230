import { sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users, type User } from '../../../../db/schema/index';
import { recordAuditEvent } from '../audit/audit-log';
import { clearFailedAttempts, isLocked, lockedMessage, recordFailedAttempt } from './lockout';
import { burnPasswordCheck, verifyPassword } from './password';
import { mfaRequirement, startSecondFactor } from './second-factor';
import { createSession, generateSessionToken, type SessionContext } from './session';

export { lockoutMs, maxFailedSignIns } from './lockout';

export type SignInResult =
	/** `setUpMfa`: the clinic requires a second factor of this person, who should set up an app now. */
	| { ok: true; stage: 'signed_in'; user: User; token: string; expiresAt: Date; setUpMfa: boolean }
	/** Password right; a second factor is due at /sign-in/verify (cookie value and its expiry). */
	| { ok: true; stage: 'second_factor'; user: User; pendingCookieValue: string; pendingExpiresAt: Date; hasTotp: boolean }
	| { ok: false; reason: 'invalid' | 'locked' | 'inactive'; message: string };

const invalid = { ok: false, reason: 'invalid', message: 'That email and password do not match an account.' } as const;

export interface SignInContext extends SessionContext {
	sessionTtlMs: number;
	requestId?: string | null;
	/** Origin for links in emails (the lockout email's reset link). */
	origin?: string;
	/**
	 * False when this server cannot deliver email (no SMTP_URL, no developer mailbox). Then a
	 * person whom only the clinic's policy asks for a second factor, and who has no app yet,
	 * could never receive the emailed code: they are let in with the password, sent to set up
	 * an app, and the audit event says so. Anyone with an app still needs its code.
	 */
	emailCodesDeliverable?: boolean;
}

/**
 * Email + password → a new session, or the pending second step when the account needs one.
 * A fresh token every time (no session fixation). Each attempt is audited; five failures —
 * passwords or second-factor codes — lock the account for 15 minutes and email its owner.
 * Failures are forgotten only once both steps pass, so re-entering the right password does not
 * buy more guesses at the code.
 */
export async function signIn(db: Database, credentials: { email: string; password: string }, context: SignInContext): Promise<SignInResult> {
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
	if (isLocked(user)) {
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'denied', reason: 'locked' });
		return { ok: false, reason: 'locked', message: lockedMessage(user) };
	}
	if (!(await verifyPassword(user.passwordHash, credentials.password))) {
		const { locked } = await recordFailedAttempt(db, user, asUser, { origin: context.origin ?? 'http://localhost:3000' });
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'failure', reason: locked ? 'wrong password; locked' : 'wrong password' });
		return invalid;
	}
	if (!user.active) {
		await recordAuditEvent(db, asUser, { action: 'session.sign_in_failed', outcome: 'denied', reason: 'inactive' });
		return { ok: false, reason: 'inactive', message: 'This account has been deactivated. Ask your clinic administrator.' };
	}
	const requirement = await mfaRequirement(db, user);
	const waived = requirement.required && !requirement.hasTotp && context.emailCodesDeliverable === false;
	if (requirement.required && !waived) {
		const pending = await startSecondFactor(db, user, requirement, asUser);
		return { ok: true, stage: 'second_factor', user, pendingCookieValue: pending.cookieValue, pendingExpiresAt: pending.expiresAt, hasTotp: pending.hasTotp };
	}
	await clearFailedAttempts(db, user);
	const token = generateSessionToken();
	const session = await createSession(db, token, user.id, context.sessionTtlMs, context);
	await recordAuditEvent(db, asUser, { action: 'session.sign_in', outcome: 'success', reason: waived ? 'second factor required, but email is not configured: password only' : undefined });
	return { ok: true, stage: 'signed_in', user, token, expiresAt: session.expiresAt, setUpMfa: requirement.requiredByPolicy && !requirement.hasTotp };
}

/** Where a person lands after signing in. */
export function homePathFor(role: User['role']): string {
	if (role === 'patient' || role === 'proxy') return '/portal';
	// Outside people a patient shared with have no workspace here yet; their account page is safe ground.
	if (role === 'external') return '/account';
	return '/patients';
}
