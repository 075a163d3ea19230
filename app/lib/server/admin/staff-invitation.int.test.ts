import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, outboxMessages, practitioners, totpCredentials, users } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { AccountExists } from '../auth/invitations';
import { accountCounts, accountFiltersSchema, getAccount, listAccounts } from './accounts';
import { inviteStaffMember, staffInvitationSchema } from './staff-invitation';
import { actorFor, demoClinicDatabase, userIdOf } from './testing';

const origin = 'http://clinic.test';
const filters = (input: Record<string, string> = {}) => accountFiltersSchema.parse(input);

describe.each(testDatabaseKinds)('inviting staff and listing accounts (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;

	beforeAll(async () => {
		t = await demoClinicDatabase(kind);
		admin = await actorFor(t, 'admin@riverside.example');
	});
	afterAll(async () => {
		await t?.drop();
	});

	const practitionerCount = async () => Number((await t.db.select({ n: count() }).from(practitioners))[0]!.n);

	it('invites a nurse: account, linked practitioner and invitation email commit together', async () => {
		const input = staffInvitationSchema.parse({ givenName: 'Nina', familyName: 'Novak', email: 'Nina.Novak@Riverside.example', role: 'nurse', credentials: 'RN', specialty: 'Triage' });
		const { userId, practitionerId } = await inviteStaffMember(t.db, admin, input, { origin });
		const [user] = await t.db.select().from(users).where(eq(users.id, userId));
		expect(user).toMatchObject({ email: 'nina.novak@riverside.example', displayName: 'Nina Novak', role: 'nurse', practitionerId, active: true });
		const [practitioner] = await t.db.select().from(practitioners).where(eq(practitioners.id, practitionerId!));
		expect(practitioner).toMatchObject({ kind: 'nurse', givenName: 'Nina', familyName: 'Novak', credentials: 'RN', specialty: 'Triage' });
		const [message] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.recipient, 'nina.novak@riverside.example'));
		expect(message).toMatchObject({ topic: 'invitation', status: 'pending' });
		const [audit] = await t.db.select().from(auditEvents).where(eq(auditEvents.resourceId, userId));
		expect(audit).toMatchObject({ action: 'user.invite', actorUserId: admin.userId });

		const listed = await listAccounts(t.db, admin, filters({ status: 'invited' }));
		expect(listed.accounts.map((a) => a.email)).toEqual(['nina.novak@riverside.example']);
		expect(listed.accounts[0]).toMatchObject({ invited: true, mfaEnrolled: false, lastSignInAt: null });
	});

	it('a refused invitation (address taken) leaves no practitioner behind', async () => {
		const before = await practitionerCount();
		const input = staffInvitationSchema.parse({ givenName: 'Emily', familyName: 'Chen', email: 'DR.CHEN@riverside.example', role: 'physician' });
		await expect(inviteStaffMember(t.db, admin, input, { origin })).rejects.toBeInstanceOf(AccountExists);
		expect(await practitionerCount()).toBe(before);
	});

	it('invites front desk staff without a practitioner identity', async () => {
		const before = await practitionerCount();
		const input = staffInvitationSchema.parse({ givenName: 'Paul', familyName: 'Park', email: 'paul.park@riverside.example', role: 'front_desk' });
		const { practitionerId } = await inviteStaffMember(t.db, admin, input, { origin });
		expect(practitionerId).toBeNull();
		expect(await practitionerCount()).toBe(before);
	});

	it('refuses a non-administrator and only accepts staff roles', async () => {
		const physician = await actorFor(t, 'dr.chen@riverside.example');
		const input = staffInvitationSchema.parse({ givenName: 'X', familyName: 'Y', email: 'x.y@riverside.example', role: 'nurse' });
		await expect(inviteStaffMember(t.db, physician, input, { origin })).rejects.toBeInstanceOf(AccessDenied);
		expect(staffInvitationSchema.safeParse({ givenName: 'X', familyName: 'Y', email: 'p@example.com', role: 'patient' }).success).toBe(false);
		expect(await t.db.select().from(users).where(eq(users.email, 'x.y@riverside.example'))).toHaveLength(0);
		await expect(listAccounts(t.db, physician, filters())).rejects.toBeInstanceOf(AccessDenied);
	});

	it('lists accounts with filters, MFA enrolment and the last sign-in from the audit trail', async () => {
		const chen = await userIdOf(t, 'dr.chen@riverside.example');
		await t.db.insert(totpCredentials).values({ userId: chen, keyId: 'k', nonce: new Uint8Array(12), sealedSecret: new Uint8Array(32), confirmedAt: new Date() });
		const signedInAt = new Date('2026-03-01T14:00:00Z');
		await t.db.insert(auditEvents).values({ actorUserId: chen, actorRole: 'physician', action: 'session.sign_in', outcome: 'success', occurredAt: signedInAt });

		const byName = await listAccounts(t.db, admin, filters({ q: 'chen' }));
		expect(byName.accounts).toHaveLength(1);
		expect(byName.accounts[0]).toMatchObject({ email: 'dr.chen@riverside.example', role: 'physician', mfaEnrolled: true, lastSignInAt: signedInAt.toISOString(), active: true, lockedUntil: null });

		const staff = await listAccounts(t.db, admin, filters({ role: 'staff' }));
		expect(staff.accounts.every((a) => ['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing'].includes(a.role))).toBe(true);
		const portal = await listAccounts(t.db, admin, filters({ role: 'portal' }));
		expect(portal.accounts.map((a) => a.email).sort()).toEqual(['linda.brooks@example.com', 'maria.garcia@example.com', 'sarah.johnson@example.com']);

		await t.db.update(users).set({ lockedUntil: new Date(Date.now() + 60_000) }).where(eq(users.id, chen));
		const locked = await listAccounts(t.db, admin, filters({ status: 'locked' }));
		expect(locked.accounts.map((a) => a.id)).toEqual([chen]);
		expect((await accountCounts(t.db, admin)).locked).toBe(1);
		const detail = await getAccount(t.db, admin, chen);
		expect(detail).toMatchObject({ isStaffAccount: true, isSelf: false, practitioner: { kind: 'physician', credentials: 'MD' } });
		expect(detail.lockedUntil).not.toBeNull();

		// Search text with LIKE wildcards is taken literally.
		expect((await listAccounts(t.db, admin, filters({ q: '%' }))).accounts).toHaveLength(0);
	});

	it('reads hand-edited filters as validation errors, not crashes', () => {
		expect(accountFiltersSchema.safeParse({ role: 'superuser' }).success).toBe(false);
		expect(accountFiltersSchema.safeParse({ page: '-1' }).success).toBe(false);
		expect(accountFiltersSchema.safeParse({ status: 'gone' }).success).toBe(false);
	});
});
