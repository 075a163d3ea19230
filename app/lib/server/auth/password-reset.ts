/**
 * "Forgot your password?": a request always gets the same answer (no telling which addresses
 * have accounts); when an active account matches, its owner gets a single-use link valid for an
 * hour. Using it sets a new password (policy applies), ends every session of the account,
 * clears a lockout and is audited. A second factor still applies at the next sign-in.
 */
import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { oneTimeTokens, sessions, users } from '../../../../db/schema/index';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import { getClinic } from '../clinic/clinic';
import { enqueueEmail } from '../mail/outbox';
import { unusablePasswordHash } from './invitations';
import { consumeLinkToken, generateLinkToken, isLinkTokenLive, issueToken, parseLinkParam } from './one-time-tokens';
import { hashPassword } from './password';
import { checkPassword } from './password-policy';

/** More requests within the hour get the same answer and no email: no mail bombing through the form. */
export const maxResetEmailsPerHour = 3;

export const resetRequestAnswer = 'If an account exists for that address, we sent it a link to choose a new password. The link works once, for one hour.';

export async function requestPasswordReset(db: Database, email: string, subject: AuditSubject, links: { origin: string }): Promise<void> {
	const [user] = await db
		.select()
		.from(users)
		.where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
	// An invitation not yet accepted is answered like no account: its own link sets the password.
	if (!user || !user.active || user.passwordHash === unusablePasswordHash) {
		await recordAuditEvent(db, subject, { action: 'password.reset_requested', outcome: 'failure', reason: 'no active account' });
		return;
	}
	const [recent] = await db
		.select({ n: count() })
		.from(oneTimeTokens)
		.where(and(eq(oneTimeTokens.userId, user.id), eq(oneTimeTokens.purpose, 'password_reset'), gt(oneTimeTokens.createdAt, new Date(Date.now() - 3600_000))));
	if (Number(recent?.n ?? 0) >= maxResetEmailsPerHour) {
		await recordAuditEvent(db, { ...subject, userId: user.id, role: user.role }, { action: 'password.reset_requested', outcome: 'denied', resourceType: 'user', resourceId: user.id, reason: 'too many requests' });
		return;
	}
	const token = generateLinkToken();
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await issueToken(tx, user.id, 'password_reset', token);
		await enqueueEmail(tx, {
			idempotencyKey: `password-reset:${user.id}:${token.slice(0, 12)}`,
			topic: 'password_reset',
			email: {
				to: user.email,
				subject: 'Reset your ClinicSync password',
				text: [
					'Hello,',
					'',
					'Someone — we hope you — asked to reset the password of your ClinicSync account. Choose a new password with this link. It works once and expires in one hour:',
					'',
					`${links.origin.replace(/\/+$/, '')}/reset-password/${user.id}.${token}`,
					'',
					'If you did not ask, ignore this email: your password stays as it is.'
				].join('\n')
			}
		});
		await recordAuditEvent(tx, { ...subject, userId: user.id, role: user.role }, { action: 'password.reset_requested', outcome: 'success', resourceType: 'user', resourceId: user.id });
	});
}

/** Whether a reset link (the "<userId>.<token>" part) can still be used; does not spend it. */
export async function isResetLinkLive(db: Database, linkParam: string): Promise<boolean> {
	const parsed = parseLinkParam(linkParam);
	return !!parsed && (await isLinkTokenLive(db, 'password_reset', parsed.userId, parsed.token));
}

export type ResetResult = { ok: true; email: string } | { ok: false; reason: 'link' | 'policy'; message: string };

export const deadLinkMessage = 'This link has expired or was already used. Ask for a new one.';

export async function resetPassword(db: Database, linkParam: string, newPassword: string, subject: AuditSubject): Promise<ResetResult> {
	const parsed = parseLinkParam(linkParam);
	if (!parsed) return { ok: false, reason: 'link', message: deadLinkMessage };
	const [user] = await db.select().from(users).where(eq(users.id, parsed.userId));
	if (!user || !user.active) return { ok: false, reason: 'link', message: deadLinkMessage };
	// Check the policy before spending the link, so a refused password leaves the link usable.
	if (!(await isLinkTokenLive(db, 'password_reset', user.id, parsed.token))) return { ok: false, reason: 'link', message: deadLinkMessage };
	const clinic = await getClinic(db);
	const problem = checkPassword(newPassword, { email: user.email, clinicName: clinic?.name });
	if (problem) return { ok: false, reason: 'policy', message: problem };
	const passwordHash = await hashPassword(newPassword);
	const done = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		if (!(await consumeLinkToken(tx, 'password_reset', user.id, parsed.token))) return false;
		await tx.update(users).set({ passwordHash, passwordChangedAt: new Date(), failedSignIns: 0, lockedUntil: null, updatedAt: new Date() }).where(eq(users.id, user.id));
		await tx.delete(sessions).where(eq(sessions.userId, user.id));
		await recordAuditEvent(tx, { ...subject, userId: user.id, role: user.role }, { action: 'password.reset', outcome: 'success', resourceType: 'user', resourceId: user.id, reason: 'all sessions ended; lockout cleared' });
		return true;
	});
	if (!done) return { ok: false, reason: 'link', message: deadLinkMessage };
	return { ok: true, email: user.email };
}
