/**
 * The second step of signing in. After the right password, a person whose account has an
 * authenticator app — or whose role the clinic requires a second factor of — gets no session
 * yet: a pending token (10 minutes, cookie) carries them to /sign-in/verify, where a code from
 * the app, a recovery code or an emailed code completes the sign-in with a fresh session
 * token. Wrong codes count toward the same lockout as wrong passwords.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users, type User } from '../../../../db/schema/index';
import type { DocumentCipher } from '../documents/cipher';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import { getClinic } from '../clinic/clinic';
import { enqueueEmail } from '../mail/outbox';
import { clearFailedAttempts, isLocked, lockedMessage, recordFailedAttempt } from './lockout';
import { consumeCode, consumeLinkToken, generateLinkToken, generateNumericCode, hasLiveToken, isLinkTokenLive, issueToken, parseLinkParam, revokeTokens, tokenLifetimesMs } from './one-time-tokens';
import { looksLikeRecoveryCode, useRecoveryCode } from './recovery-codes';
import { createSession, generateSessionToken, type SessionContext } from './session';
import { hasConfirmedTotp, verifyTotpCode } from './totp';

export const pendingSignInLifetimeMs = tokenLifetimesMs.mfa_pending;

export interface MfaRequirement {
	/** A second factor must be passed at sign-in. */
	required: boolean;
	hasTotp: boolean;
	/** The clinic requires it of this role (even without an app: then the emailed code). */
	requiredByPolicy: boolean;
}

export async function mfaRequirement(db: Database, user: Pick<User, 'id' | 'role'>): Promise<MfaRequirement> {
	const clinic = await getClinic(db);
	const requiredByPolicy = (clinic?.mfaRequiredRoles ?? []).includes(user.role);
	const hasTotp = await hasConfirmedTotp(db, user.id);
	return { required: requiredByPolicy || hasTotp, hasTotp, requiredByPolicy };
}

/** Emails a 6-digit code (10 minutes, five tries) for the second step. */
export async function sendSignInCode(db: Database, user: Pick<User, 'id' | 'email' | 'role'>, subject: AuditSubject): Promise<void> {
	const code = generateNumericCode();
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await issueToken(tx, user.id, 'email_sign_in_code', code);
		await enqueueEmail(tx, {
			idempotencyKey: `sign-in-code:${user.id}:${generateLinkToken()}`,
			topic: 'sign_in_code',
			email: {
				to: user.email,
				subject: `Your ClinicSync sign-in code: ${code}`,
				text: [
					`Your ClinicSync sign-in code is ${code}`,
					'',
					'It works once and expires in 10 minutes. Nobody from the clinic will ever ask you for it.',
					'If you are not signing in right now, someone knows your password: change it as soon as you can.'
				].join('\n')
			}
		});
		await recordAuditEvent(tx, { ...subject, userId: user.id, role: user.role }, { action: 'mfa.email_code_sent', outcome: 'success', resourceType: 'user', resourceId: user.id });
	});
}

export interface PendingSignInStart {
	/** Cookie value: "<userId>.<token>". */
	cookieValue: string;
	expiresAt: Date;
	hasTotp: boolean;
}

/** Issues the pending token; without an app, the emailed code goes out at once. */
export async function startSecondFactor(db: Database, user: User, requirement: MfaRequirement, subject: AuditSubject): Promise<PendingSignInStart> {
	const token = generateLinkToken();
	const expiresAt = await issueToken(db, user.id, 'mfa_pending', token);
	if (!requirement.hasTotp) await sendSignInCode(db, user, subject);
	return { cookieValue: `${user.id}.${token}`, expiresAt, hasTotp: requirement.hasTotp };
}

export interface PendingSignIn {
	user: User;
	hasTotp: boolean;
	/** An emailed code is waiting to be entered. */
	emailCodeWaiting: boolean;
	/** The address the code goes to, partly hidden ("m•••@example.com"). */
	maskedEmail: string;
}

export async function readPendingSignIn(db: Database, cookieValue: string | undefined): Promise<PendingSignIn | null> {
	const parsed = cookieValue ? parseLinkParam(cookieValue) : null;
	if (!parsed || !(await isLinkTokenLive(db, 'mfa_pending', parsed.userId, parsed.token))) return null;
	const [user] = await db.select().from(users).where(eq(users.id, parsed.userId));
	if (!user || !user.active) return null;
	return {
		user,
		hasTotp: await hasConfirmedTotp(db, user.id),
		emailCodeWaiting: await hasLiveToken(db, 'email_sign_in_code', user.id),
		maskedEmail: maskEmail(user.email)
	};
}

export function maskEmail(email: string): string {
	const [local = '', domain = ''] = email.split('@');
	return `${local.slice(0, 1)}•••@${domain}`;
}

export type SecondFactorResult =
	| { ok: true; user: User; token: string; expiresAt: Date; method: 'totp' | 'recovery_code' | 'email_code'; suggestTotpSetup: boolean }
	| { ok: false; reason: 'expired' | 'invalid' | 'locked'; message: string };

const expired = { ok: false, reason: 'expired', message: 'Your sign-in took too long or was already used. Sign in again.' } as const;

export async function completeSecondFactor(
	db: Database,
	cipher: DocumentCipher,
	cookieValue: string | undefined,
	code: string,
	context: SessionContext & { sessionTtlMs: number; requestId?: string | null; origin: string }
): Promise<SecondFactorResult> {
	const pending = await readPendingSignIn(db, cookieValue);
	const parsed = cookieValue ? parseLinkParam(cookieValue) : null;
	if (!pending || !parsed) return expired;
	const { user } = pending;
	const subject = { sourceAddress: context.sourceAddress ?? null, requestId: context.requestId ?? null, userId: user.id, role: user.role };
	if (isLocked(user)) {
		await revokeTokens(db, user.id, 'mfa_pending');
		return { ok: false, reason: 'locked', message: lockedMessage(user) };
	}

	const typed = code.trim();
	let method: 'totp' | 'recovery_code' | 'email_code' | null = null;
	if (looksLikeRecoveryCode(typed)) {
		if (pending.hasTotp && (await useRecoveryCode(db, user.id, typed))) method = 'recovery_code';
	} else {
		const digits = typed.replace(/\s+/g, '');
		if (pending.hasTotp && (await verifyTotpCode(db, cipher, user.id, digits))) method = 'totp';
		else if (pending.emailCodeWaiting && /^\d{6}$/.test(digits) && (await consumeCode(db, 'email_sign_in_code', user.id, digits))) method = 'email_code';
	}

	if (!method) {
		await recordAuditEvent(db, subject, { action: 'mfa.verify_failed', outcome: 'failure', resourceType: 'user', resourceId: user.id, reason: 'sign-in code' });
		const { locked } = await recordFailedAttempt(db, user, subject, { origin: context.origin });
		if (locked) {
			await revokeTokens(db, user.id, 'mfa_pending');
			const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
			return { ok: false, reason: 'locked', message: lockedMessage(fresh ?? user) };
		}
		return { ok: false, reason: 'invalid', message: 'That code is not right. Check it and try again.' };
	}

	// Spent exactly once: of two simultaneous right answers only one gets a session.
	if (!(await consumeLinkToken(db, 'mfa_pending', user.id, parsed.token))) return expired;
	await revokeTokens(db, user.id, 'email_sign_in_code');
	await clearFailedAttempts(db, user);
	const token = generateSessionToken();
	const session = await createSession(db, token, user.id, context.sessionTtlMs, context);
	if (method === 'recovery_code') {
		await recordAuditEvent(db, subject, { action: 'mfa.recovery_code_used', outcome: 'success', resourceType: 'user', resourceId: user.id });
	}
	await recordAuditEvent(db, subject, { action: 'session.sign_in', outcome: 'success', reason: `second factor: ${method.replace('_', ' ')}` });
	const requirement = await mfaRequirement(db, user);
	return { ok: true, user, token, expiresAt: session.expiresAt, method, suggestTotpSetup: requirement.requiredByPolicy && !requirement.hasTotp };
}
