import { and, eq, gte, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users, type User } from '../../../../db/schema/index';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import { enqueueEmail } from '../mail/outbox';

export const maxFailedSignIns = 5;
export const lockoutMs = 15 * 60_000;

export function isLocked(user: Pick<User, 'lockedUntil'>, now = Date.now()): boolean {
	return !!user.lockedUntil && user.lockedUntil.getTime() > now;
}

export function lockedMessage(user: Pick<User, 'lockedUntil'>): string {
	const minutes = Math.max(1, Math.ceil(((user.lockedUntil?.getTime() ?? Date.now()) - Date.now()) / 60_000));
	return `This account is locked after too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or reset your password.`;
}

/**
 * Counts one failed attempt — a wrong password or a wrong second-factor code — against the
 * account. The fifth locks it for 15 minutes; the lock, its audit event and the email telling
 * the owner commit together. The count is incremented in SQL, so concurrent failures are all
 * counted and only one of them locks.
 */
export async function recordFailedAttempt(
	db: Database,
	user: Pick<User, 'id' | 'email' | 'role'>,
	subject: AuditSubject,
	links: { origin: string }
): Promise<{ locked: boolean }> {
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [counted] = await tx
			.update(users)
			.set({ failedSignIns: sql`${users.failedSignIns} + 1` })
			.where(eq(users.id, user.id))
			.returning({ failedSignIns: users.failedSignIns });
		if (!counted || counted.failedSignIns < maxFailedSignIns) return { locked: false };
		const lockedUntil = new Date(Date.now() + lockoutMs);
		const locked = await tx
			.update(users)
			.set({ failedSignIns: 0, lockedUntil })
			.where(and(eq(users.id, user.id), gte(users.failedSignIns, maxFailedSignIns)))
			.returning({ id: users.id });
		if (locked.length === 0) return { locked: false };
		await enqueueEmail(tx, {
			idempotencyKey: `lockout:${user.id}:${lockedUntil.getTime()}`,
			topic: 'account_locked',
			email: {
				to: user.email,
				subject: 'Your ClinicSync account was locked',
				text: [
					'Hello,',
					'',
					`Your ClinicSync account was locked after ${maxFailedSignIns} failed sign-in attempts. It unlocks by itself in ${lockoutMs / 60_000} minutes.`,
					'',
					'If that was you, wait and try again. If it was not you, someone may know or be guessing your password: reset it now with this page:',
					'',
					`${links.origin.replace(/\/+$/, '')}/reset-password`,
					'',
					'Resetting your password also unlocks the account and signs out every device.'
				].join('\n')
			}
		});
		await recordAuditEvent(tx, { ...subject, userId: user.id, role: user.role }, {
			action: 'session.locked',
			outcome: 'denied',
			resourceType: 'user',
			resourceId: user.id,
			reason: `${maxFailedSignIns} failed attempts`
		});
		return { locked: true };
	});
}

/** A successful sign-in (both factors) forgets earlier failures. */
export async function clearFailedAttempts(db: Database, user: Pick<User, 'id' | 'failedSignIns' | 'lockedUntil'>): Promise<void> {
	if (user.failedSignIns > 0 || user.lockedUntil) {
		await db.update(users).set({ failedSignIns: 0, lockedUntil: null }).where(eq(users.id, user.id));
	}
}
