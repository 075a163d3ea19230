import { emitAccessEvent } from '../access/access-events';
import { and, asc, eq, ne } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { practitioners, sessions, users, type Role, type User } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { clinicalRoles, staffRoles } from '../access/actor';
import { NotFound } from '../access/errors';
import { recordAuditEvent } from '../audit/audit-log';
import { AdminRuleViolation, requireClinicManager } from './guard';

/**
 * What an administrator changes about an account: active or not, its staff role, its lock.
 * Each change, its side effects (ended sessions, a practitioner identity) and its audit event
 * commit together.
 *
 * The last active administrator is protected: every change that could remove one first locks
 * the rows of all active administrators, in id order, so two administrators demoting each
 * other at the same moment cannot both succeed (the second one re-reads and is refused).
 */

export type StaffRole = (typeof staffRoles)[number];

export interface AccountChange {
	/** False when the account already was as asked (nothing written, nothing audited). */
	changed: boolean;
}

type Tx = Database;

async function inTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
	return db.transaction(async (transaction) => work(transaction as unknown as Tx));
}

async function lockActiveAdmins(tx: Tx): Promise<string[]> {
	const rows = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.role, 'clinic_admin'), eq(users.active, true)))
		.orderBy(asc(users.id))
		.for('update');
	return rows.map((r) => r.id);
}

async function lockAccount(tx: Tx, userId: string): Promise<User> {
	const [row] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
	if (!row) throw new NotFound('No account with that id.');
	return row;
}

function audit(tx: Tx, actor: Actor, action: 'user.deactivate' | 'user.reactivate' | 'user.role_change' | 'user.unlock', userId: string, reason: string) {
	return recordAuditEvent(tx, actor, { action, outcome: 'success', resourceType: 'user', resourceId: userId, reason });
}

/** Deactivates an account and ends all of its sessions at once. */
export async function deactivateAccount(db: Database, actor: Actor, userId: string): Promise<AccountChange & { sessionsEnded: number }> {
	await requireClinicManager(db, actor, 'user.deactivate');
	if (userId === actor.userId) throw new AdminRuleViolation('You cannot deactivate your own account. Ask another administrator to do it.');
	const change = await inTransaction(db, async (tx) => {
		const admins = await lockActiveAdmins(tx);
		const target = await lockAccount(tx, userId);
		if (!target.active) return { changed: false, sessionsEnded: 0 };
		if (target.role === 'clinic_admin' && admins.filter((id) => id !== userId).length === 0) {
			throw new AdminRuleViolation('This is the last active administrator. Make another account an administrator first.');
		}
		await tx.update(users).set({ active: false, updatedAt: new Date() }).where(eq(users.id, userId));
		const ended = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
		await audit(tx, actor, 'user.deactivate', userId, `role ${target.role}; ${ended.length} session(s) ended`);
		return { changed: true, sessionsEnded: ended.length };
	});
	// After the commit: the person's open sockets (/collab, socket.io) close now.
	if (change.changed) emitAccessEvent({ kind: 'sessions-ended', userId, cause: 'account deactivated' });
	return change;
}

export async function reactivateAccount(db: Database, actor: Actor, userId: string): Promise<AccountChange> {
	await requireClinicManager(db, actor, 'user.reactivate');
	return inTransaction(db, async (tx) => {
		const target = await lockAccount(tx, userId);
		if (target.active) return { changed: false };
		await tx.update(users).set({ active: true, updatedAt: new Date() }).where(eq(users.id, userId));
		await audit(tx, actor, 'user.reactivate', userId, `role ${target.role}`);
		return { changed: true };
	});
}

/**
 * Gives a staff account another staff role. A physician or nurse acts as a practitioner, so an
 * account becoming one gets a practitioner identity (from its display name) when it has none,
 * and an existing one takes the new kind. Care team memberships stay with the practitioner.
 */
export async function changeAccountRole(db: Database, actor: Actor, userId: string, role: StaffRole): Promise<AccountChange> {
	await requireClinicManager(db, actor, 'user.role_change');
	if (!(staffRoles as readonly Role[]).includes(role)) throw new AdminRuleViolation('Choose one of the staff roles.');
	return inTransaction(db, async (tx) => {
		const admins = await lockActiveAdmins(tx);
		const target = await lockAccount(tx, userId);
		if (!(staffRoles as readonly Role[]).includes(target.role)) {
			throw new AdminRuleViolation('Patient, proxy and outside accounts cannot be given a staff role. Invite the person as staff instead.');
		}
		if (target.role === role) return { changed: false };
		if (target.role === 'clinic_admin' && target.active && admins.filter((id) => id !== userId).length === 0) {
			throw new AdminRuleViolation(
				target.id === actor.userId
					? 'You are the last active administrator, so you cannot change your own role. Make another account an administrator first.'
					: 'This is the last active administrator. Make another account an administrator first.'
			);
		}
		let practitionerId = target.practitionerId;
		if ((clinicalRoles as readonly Role[]).includes(role)) {
			const kind = role as (typeof clinicalRoles)[number];
			if (practitionerId) {
				await tx.update(practitioners).set({ kind, updatedAt: new Date() }).where(eq(practitioners.id, practitionerId));
			} else {
				const { givenName, familyName } = splitDisplayName(target.displayName);
				const [created] = await tx.insert(practitioners).values({ kind, givenName, familyName }).returning({ id: practitioners.id });
				practitionerId = created!.id;
			}
		}
		await tx.update(users).set({ role, practitionerId, updatedAt: new Date() }).where(and(eq(users.id, userId), ne(users.role, role)));
		await audit(tx, actor, 'user.role_change', userId, `from ${target.role} to ${role}`);
		return { changed: true };
	});
}

/** Lifts a lock set by failed sign-ins and forgets the count. */
export async function unlockAccount(db: Database, actor: Actor, userId: string, now = new Date()): Promise<AccountChange> {
	await requireClinicManager(db, actor, 'user.unlock');
	return inTransaction(db, async (tx) => {
		const target = await lockAccount(tx, userId);
		const locked = target.lockedUntil !== null && target.lockedUntil > now;
		if (!locked && target.failedSignIns === 0) return { changed: false };
		await tx.update(users).set({ lockedUntil: null, failedSignIns: 0, updatedAt: new Date() }).where(eq(users.id, userId));
		await audit(tx, actor, 'user.unlock', userId, locked ? 'was locked' : `cleared ${target.failedSignIns} failed attempt(s)`);
		return { changed: true };
	});
}

/** "Dr. Emily Chen" → Emily / Chen; a single word is the family name. */
export function splitDisplayName(displayName: string): { givenName: string; familyName: string } {
	const words = displayName
		.replace(/^(dr|mr|mrs|ms|mx)\.?\s+/i, '')
		.trim()
		.split(/\s+/)
		.filter(Boolean);
	if (words.length === 0) return { givenName: '', familyName: displayName.trim() || 'Unknown' };
	const familyName = words.pop()!;
	return { givenName: words.join(' '), familyName };
}
