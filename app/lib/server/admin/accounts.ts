import { and, asc, count, eq, gt, ilike, inArray, max, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { auditEvents, practitioners, roles, sessions, totpCredentials, users, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { staffRoles } from '../access/actor';
import { NotFound } from '../access/errors';
import { recordAuditEvent } from '../audit/audit-log';
import { unusablePasswordHash } from '../auth/invitations';
import { requireClinicManager } from './guard';

/** The account list of /admin/users: who can sign in, as what, and how safely. */

export const accountPageSize = 50;
export const accountStatuses = ['active', 'inactive', 'locked', 'invited'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** "staff" and "portal" group the roles; a single role narrows further. */
const roleFilters = ['', 'staff', 'portal', ...roles] as const;

export const accountFiltersSchema = z.object({
	q: z.string().trim().max(100, 'Search with at most 100 characters.').default(''),
	role: z.enum(roleFilters, { error: 'Choose a role from the list.' }).default(''),
	status: z.enum(['', ...accountStatuses], { error: 'Choose a status from the list.' }).default(''),
	page: z.preprocess(
		(value) => (value === '' ? undefined : value),
		z
			.string()
			.regex(/^\d+$/, 'The page number must be a whole number, like 2.')
			.transform(Number)
			.pipe(z.number().min(1, 'The page number starts at 1.').max(1000, 'The page number can be at most 1000.'))
			.default(1)
	)
});
export type AccountFilters = z.infer<typeof accountFiltersSchema>;

export interface AccountSummary {
	id: string;
	displayName: string;
	email: string;
	role: Role;
	active: boolean;
	/** Locked after failed sign-ins, until this time (ISO), or null. */
	lockedUntil: string | null;
	/** Invited and no password chosen yet. */
	invited: boolean;
	mfaEnrolled: boolean;
	lastSignInAt: string | null;
}

export interface AccountList {
	accounts: AccountSummary[];
	page: number;
	hasMore: boolean;
}

const isInvited = sql<boolean>`(${users.passwordHash} = ${unusablePasswordHash})`;
const hasConfirmedTotp = sql<boolean>`(${totpCredentials.confirmedAt} is not null)`;

export async function listAccounts(db: Database, actor: Actor, filters: AccountFilters, now = new Date()): Promise<AccountList> {
	await requireClinicManager(db, actor, 'user.list');
	const conditions: SQL[] = [];
	if (filters.q !== '') {
		const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		conditions.push(or(ilike(users.displayName, pattern), ilike(users.email, pattern))!);
	}
	if (filters.role === 'staff') conditions.push(inArray(users.role, [...staffRoles]));
	else if (filters.role === 'portal') conditions.push(inArray(users.role, ['patient', 'proxy', 'external']));
	else if (filters.role !== '') conditions.push(eq(users.role, filters.role));
	if (filters.status === 'active') conditions.push(eq(users.active, true));
	if (filters.status === 'inactive') conditions.push(eq(users.active, false));
	if (filters.status === 'locked') conditions.push(gt(users.lockedUntil, now));
	if (filters.status === 'invited') conditions.push(isInvited);

	const rows = await db
		.select({
			id: users.id,
			displayName: users.displayName,
			email: users.email,
			role: users.role,
			active: users.active,
			lockedUntil: users.lockedUntil,
			invited: isInvited,
			mfaEnrolled: hasConfirmedTotp
		})
		.from(users)
		.leftJoin(totpCredentials, eq(totpCredentials.userId, users.id))
		.where(conditions.length > 0 ? and(...conditions) : undefined)
		.orderBy(asc(sql`lower(${users.displayName})`), asc(users.id))
		.limit(accountPageSize + 1)
		.offset((filters.page - 1) * accountPageSize);
	const shown = rows.slice(0, accountPageSize);
	const lastSignIns = await lastSignInTimes(db, shown.map((r) => r.id));
	await recordAuditEvent(db, actor, { action: 'user.list', outcome: 'success', resourceType: 'user', reason: `${shown.length} shown` });
	return {
		accounts: shown.map((r) => ({
			...r,
			invited: Boolean(r.invited),
			mfaEnrolled: Boolean(r.mfaEnrolled),
			lockedUntil: r.lockedUntil && r.lockedUntil > now ? r.lockedUntil.toISOString() : null,
			lastSignInAt: lastSignIns.get(r.id) ?? null
		})),
		page: filters.page,
		hasMore: rows.length > accountPageSize
	};
}

/** Last successful sign-in per account, from the audit trail (sessions are deleted at sign-out). */
async function lastSignInTimes(db: Database, userIds: string[]): Promise<Map<string, string>> {
	if (userIds.length === 0) return new Map();
	const rows = await db
		.select({ userId: auditEvents.actorUserId, at: max(auditEvents.occurredAt) })
		.from(auditEvents)
		.where(and(eq(auditEvents.action, 'session.sign_in'), eq(auditEvents.outcome, 'success'), inArray(auditEvents.actorUserId, userIds)))
		.groupBy(auditEvents.actorUserId);
	return new Map(rows.filter((r) => r.userId && r.at).map((r) => [r.userId!, new Date(r.at!).toISOString()]));
}

export interface AccountDetail extends AccountSummary {
	createdAt: string;
	failedSignIns: number;
	/** Sessions that are still open (signed in somewhere). */
	openSessions: number;
	practitioner: { kind: string; credentials: string; specialty: string } | null;
	isSelf: boolean;
	/** Staff roles can be changed here; patient, proxy and outside accounts keep theirs. */
	isStaffAccount: boolean;
}

export async function getAccount(db: Database, actor: Actor, userId: string, now = new Date()): Promise<AccountDetail> {
	await requireClinicManager(db, actor, 'user.list');
	const [row] = await db
		.select({
			id: users.id,
			displayName: users.displayName,
			email: users.email,
			role: users.role,
			active: users.active,
			lockedUntil: users.lockedUntil,
			failedSignIns: users.failedSignIns,
			createdAt: users.createdAt,
			invited: isInvited,
			mfaEnrolled: hasConfirmedTotp,
			practitionerKind: practitioners.kind,
			credentials: practitioners.credentials,
			specialty: practitioners.specialty
		})
		.from(users)
		.leftJoin(totpCredentials, eq(totpCredentials.userId, users.id))
		.leftJoin(practitioners, eq(practitioners.id, users.practitionerId))
		.where(eq(users.id, userId));
	if (!row) throw new NotFound('No account with that id.');
	const [open] = await db
		.select({ n: count() })
		.from(sessions)
		.where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)));
	const lastSignIns = await lastSignInTimes(db, [userId]);
	await recordAuditEvent(db, actor, { action: 'user.list', outcome: 'success', resourceType: 'user', resourceId: userId, reason: 'account details' });
	return {
		id: row.id,
		displayName: row.displayName,
		email: row.email,
		role: row.role,
		active: row.active,
		lockedUntil: row.lockedUntil && row.lockedUntil > now ? row.lockedUntil.toISOString() : null,
		invited: Boolean(row.invited),
		mfaEnrolled: Boolean(row.mfaEnrolled),
		lastSignInAt: lastSignIns.get(userId) ?? null,
		createdAt: row.createdAt.toISOString(),
		failedSignIns: row.failedSignIns,
		openSessions: Number(open?.n ?? 0),
		practitioner: row.practitionerKind ? { kind: row.practitionerKind, credentials: row.credentials ?? '', specialty: row.specialty ?? '' } : null,
		isSelf: row.id === actor.userId,
		isStaffAccount: (staffRoles as readonly Role[]).includes(row.role)
	};
}

/** Headline numbers for /admin. */
export async function accountCounts(db: Database, actor: Actor, now = new Date()): Promise<{ active: number; inactive: number; locked: number; invited: number }> {
	await requireClinicManager(db, actor, 'user.list');
	const [row] = await db
		.select({
			active: sql<number>`count(*) filter (where ${users.active})::int`,
			inactive: sql<number>`count(*) filter (where not ${users.active})::int`,
			locked: sql<number>`count(*) filter (where ${users.lockedUntil} > ${now.toISOString()}::timestamptz)::int`,
			invited: sql<number>`count(*) filter (where ${isInvited})::int`
		})
		.from(users);
	return { active: Number(row?.active ?? 0), inactive: Number(row?.inactive ?? 0), locked: Number(row?.locked ?? 0), invited: Number(row?.invited ?? 0) };
}
