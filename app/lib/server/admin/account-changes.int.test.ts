import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, practitioners, sessions, users } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { createSession, generateSessionToken } from '../auth/session';
import { changeAccountRole, deactivateAccount, reactivateAccount, splitDisplayName, unlockAccount } from './account-changes';
import { AdminRuleViolation } from './guard';
import { actorFor, demoClinicDatabase, userIdOf } from './testing';

describe.each(testDatabaseKinds)('account changes by an administrator (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;
	let physician: Actor;

	beforeAll(async () => {
		t = await demoClinicDatabase(kind);
		admin = await actorFor(t, 'admin@riverside.example');
		physician = await actorFor(t, 'dr.chen@riverside.example');
	});
	afterAll(async () => {
		await t?.drop();
	});

	const auditOf = (action: string, userId: string) =>
		t.db.select().from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.resourceId, userId)));

	it('deactivation ends every session of the account at once, and reactivation lets it back in', async () => {
		const kim = await userIdOf(t, 'nurse.kim@riverside.example');
		for (let i = 0; i < 2; i++) await createSession(t.db, generateSessionToken(), kim, 3_600_000);
		expect(await t.db.select().from(sessions).where(eq(sessions.userId, kim))).toHaveLength(2);

		expect(await deactivateAccount(t.db, admin, kim)).toEqual({ changed: true, sessionsEnded: 2 });
		expect(await t.db.select().from(sessions).where(eq(sessions.userId, kim))).toHaveLength(0);
		const [after] = await t.db.select({ active: users.active }).from(users).where(eq(users.id, kim));
		expect(after!.active).toBe(false);
		const [event] = await auditOf('user.deactivate', kim);
		expect(event).toMatchObject({ actorUserId: admin.userId, outcome: 'success', reason: 'role nurse; 2 session(s) ended' });

		// Asking again changes and audits nothing.
		expect(await deactivateAccount(t.db, admin, kim)).toEqual({ changed: false, sessionsEnded: 0 });
		expect(await auditOf('user.deactivate', kim)).toHaveLength(1);

		expect(await reactivateAccount(t.db, admin, kim)).toEqual({ changed: true });
		const [back] = await t.db.select({ active: users.active }).from(users).where(eq(users.id, kim));
		expect(back!.active).toBe(true);
		expect(await auditOf('user.reactivate', kim)).toHaveLength(1);
	});

	it('refuses anyone but an administrator, and audits the refusal', async () => {
		const kim = await userIdOf(t, 'nurse.kim@riverside.example');
		await expect(deactivateAccount(t.db, physician, kim)).rejects.toBeInstanceOf(AccessDenied);
		await expect(changeAccountRole(t.db, physician, kim, 'clinic_admin')).rejects.toBeInstanceOf(AccessDenied);
		await expect(unlockAccount(t.db, physician, kim)).rejects.toBeInstanceOf(AccessDenied);
		const denied = await t.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, physician.userId), eq(auditEvents.outcome, 'denied')));
		expect(denied.map((e) => e.action).sort()).toEqual(['user.deactivate', 'user.role_change', 'user.unlock']);
		const [still] = await t.db.select({ active: users.active, role: users.role }).from(users).where(eq(users.id, kim));
		expect(still).toEqual({ active: true, role: 'nurse' });
	});

	it('does not let an administrator deactivate their own account', async () => {
		await expect(deactivateAccount(t.db, admin, admin.userId)).rejects.toBeInstanceOf(AdminRuleViolation);
	});

	it('answers NotFound for an unknown account', async () => {
		await expect(reactivateAccount(t.db, admin, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFound);
	});

	it('keeps patient, proxy and outside accounts out of staff roles', async () => {
		const maria = await userIdOf(t, 'maria.garcia@example.com');
		await expect(changeAccountRole(t.db, admin, maria, 'physician')).rejects.toThrow(/cannot be given a staff role/);
	});

	it('gives an account that becomes a clinician a practitioner identity', async () => {
		const billing = await userIdOf(t, 'billing@riverside.example');
		expect(await changeAccountRole(t.db, admin, billing, 'nurse')).toEqual({ changed: true });
		const [row] = await t.db.select({ role: users.role, practitionerId: users.practitionerId, displayName: users.displayName }).from(users).where(eq(users.id, billing));
		expect(row!.role).toBe('nurse');
		const [practitioner] = await t.db.select().from(practitioners).where(eq(practitioners.id, row!.practitionerId!));
		expect(practitioner).toMatchObject({ kind: 'nurse', ...splitDisplayName(row!.displayName) });
		const [event] = await auditOf('user.role_change', billing);
		expect(event!.reason).toBe('from billing to nurse');
		// Back to billing: the practitioner identity stays linked but the role opens no chart.
		expect(await changeAccountRole(t.db, admin, billing, 'billing')).toEqual({ changed: true });
		expect(await changeAccountRole(t.db, admin, billing, 'billing')).toEqual({ changed: false });
	});

	it('never leaves the clinic without an active administrator', async () => {
		await expect(changeAccountRole(t.db, admin, admin.userId, 'physician')).rejects.toThrow(/last active administrator/);
		const frontDesk = await userIdOf(t, 'frontdesk@riverside.example');
		await changeAccountRole(t.db, admin, frontDesk, 'clinic_admin');
		const second = await actorFor(t, 'frontdesk@riverside.example');

		// Two administrators demote each other at the same moment: one of them must stay.
		const results = await Promise.allSettled([
			changeAccountRole(t.db, admin, frontDesk, 'front_desk'),
			changeAccountRole(t.db, second, admin.userId, 'nurse')
		]);
		const admins = await t.db.select({ id: users.id }).from(users).where(and(eq(users.role, 'clinic_admin'), eq(users.active, true)));
		expect(admins).toHaveLength(1);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(refused.reason).toBeInstanceOf(AdminRuleViolation);

		// Put the demo back: the original administrator is an administrator again.
		const remaining = await actorFor(t, admins[0]!.id === admin.userId ? 'admin@riverside.example' : 'frontdesk@riverside.example');
		await changeAccountRole(t.db, remaining, admin.userId, 'clinic_admin');
		await changeAccountRole(t.db, admin, frontDesk, 'front_desk');
		const [restored] = await t.db.select({ role: users.role }).from(users).where(eq(users.id, frontDesk));
		expect(restored!.role).toBe('front_desk');
	});

	it('unlocks an account locked by failed sign-ins', async () => {
		const reed = await userIdOf(t, 'dr.reed@riverside.example');
		await t.db.update(users).set({ lockedUntil: new Date(Date.now() + 10 * 60_000), failedSignIns: 0 }).where(eq(users.id, reed));
		expect(await unlockAccount(t.db, admin, reed)).toEqual({ changed: true });
		const [row] = await t.db.select({ lockedUntil: users.lockedUntil, failedSignIns: users.failedSignIns }).from(users).where(eq(users.id, reed));
		expect(row).toEqual({ lockedUntil: null, failedSignIns: 0 });
		expect(await unlockAccount(t.db, admin, reed)).toEqual({ changed: false });
		expect(await auditOf('user.unlock', reed)).toHaveLength(1);
	});
});

describe('splitDisplayName', () => {
	it('drops a title and takes the last word as the family name', () => {
		expect(splitDisplayName('Dr. Emily Chen')).toEqual({ givenName: 'Emily', familyName: 'Chen' });
		expect(splitDisplayName('Mary Ann  de Vries')).toEqual({ givenName: 'Mary Ann de', familyName: 'Vries' });
		expect(splitDisplayName('Cher')).toEqual({ givenName: '', familyName: 'Cher' });
	});
});
