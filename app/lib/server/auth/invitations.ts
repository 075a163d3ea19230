import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users, type Role, type User } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import { getClinic } from '../clinic/clinic';
import { enqueueEmail } from '../mail/outbox';
import { consumeLinkToken, generateLinkToken, isLinkTokenLive, issueToken, parseLinkParam } from './one-time-tokens';
import { hashPassword } from './password';
import { checkPassword } from './password-policy';
import { mfaRequirement } from './second-factor';
import { createSession, generateSessionToken, type SessionContext } from './session';

/**
 * Stored as the password hash of an invited account until the person chooses a password.
 * It is not an argon2 string, so verifyPassword always answers false for it.
 */
export const unusablePasswordHash = '!invited';

export class AccountExists extends Error {
	constructor(readonly email: string) {
		super('An account with that email address already exists.');
		this.name = 'AccountExists';
	}
}

export interface InvitationInput {
	email: string;
	displayName: string;
	role: Role;
	practitionerId?: string | null;
	patientId?: string | null;
}

/**
 * Creates an account nobody can sign in to yet and emails its owner a one-hour link to choose
 * a password. The account, the token, the email and the audit event commit together.
 * `actor` is null when the system invites (no person acting).
 */
export async function inviteUser(
	db: Database,
	actor: Actor | null,
	input: InvitationInput,
	links: { origin: string }
): Promise<{ userId: string }> {
	const email = input.email.trim().toLowerCase();
	const clinic = await getClinic(db);
	const clinicName = clinic?.name ?? 'ClinicSync';
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [existing] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`);
		if (existing) throw new AccountExists(email);
		const inserted = await tx
			.insert(users)
			.values({
				email,
				displayName: input.displayName.trim(),
				passwordHash: unusablePasswordHash,
				role: input.role,
				practitionerId: input.practitionerId ?? null,
				patientId: input.patientId ?? null
			})
			.onConflictDoNothing()
			.returning({ id: users.id });
		// A concurrent invitation of the same address won the unique index.
		if (inserted.length === 0) throw new AccountExists(email);
		const userId = inserted[0]!.id;
		await sendInvitationEmail(tx, actor, { userId, email, displayName: input.displayName.trim(), clinicName }, links);
		await recordAuditEvent(tx, actor, {
			action: 'user.invite',
			outcome: 'success',
			resourceType: 'user',
			resourceId: userId,
			patientId: input.patientId ?? null,
			reason: `role ${input.role}`
		});
		return { userId };
	});
}

async function sendInvitationEmail(
	tx: Database,
	actor: Actor | null,
	invitee: { userId: string; email: string; displayName: string; clinicName: string },
	links: { origin: string }
): Promise<void> {
	const token = generateLinkToken();
	// Issuing spends any earlier invitation token: only the newest link works.
	await issueToken(tx, invitee.userId, 'invitation', token);
	const link = `${links.origin.replace(/\/+$/, '')}/invite/${invitee.userId}.${token}`;
	await enqueueEmail(tx, {
		idempotencyKey: `invitation:${invitee.userId}:${token.slice(0, 8)}`,
		topic: 'invitation',
		email: {
			to: invitee.email,
			subject: `Your ${invitee.clinicName} account`,
			text: [
				`Hello ${invitee.displayName},`,
				'',
				`${actor ? `${actor.displayName} has` : 'Someone at the clinic has'} created an account for you at ${invitee.clinicName} on ClinicSync.`,
				'Choose your password with this link. It works once and expires in one hour:',
				'',
				link,
				'',
				'If you did not expect this email, you can ignore it: nobody can use the account until a password is chosen.'
			].join('\n')
		}
	});
}

export class InvitationNotPending extends Error {
	constructor() {
		super('This person has already chosen a password, so there is no invitation to send again.');
		this.name = 'InvitationNotPending';
	}
}

/**
 * Sends a new invitation link (an hour from now) to an account that has not chosen a password
 * yet; the earlier link stops working. Throws InvitationNotPending otherwise.
 */
export async function resendInvitation(db: Database, actor: Actor | null, userId: string, links: { origin: string }): Promise<void> {
	const clinic = await getClinic(db);
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [user] = await tx.select().from(users).where(eq(users.id, userId));
		if (!user || !user.active || user.passwordHash !== unusablePasswordHash) throw new InvitationNotPending();
		await sendInvitationEmail(tx, actor, { userId, email: user.email, displayName: user.displayName, clinicName: clinic?.name ?? 'ClinicSync' }, links);
		await recordAuditEvent(tx, actor, { action: 'user.invite', outcome: 'success', resourceType: 'user', resourceId: userId, patientId: user.patientId, reason: `role ${user.role}; sent again` });
	});
}

/** True when the account still waits for its owner to choose a password. */
export async function isPendingInvitation(db: Database, userId: string): Promise<boolean> {
	const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
	return row?.passwordHash === unusablePasswordHash;
}

export interface InvitationView {
	email: string;
	displayName: string;
	clinicName: string;
}

/** What the invitation page shows; null when the link is dead (expired, used, mangled). */
export async function readInvitation(db: Database, linkParam: string): Promise<InvitationView | null> {
	const parsed = parseLinkParam(linkParam);
	if (!parsed || !(await isLinkTokenLive(db, 'invitation', parsed.userId, parsed.token))) return null;
	const [user] = await db.select().from(users).where(eq(users.id, parsed.userId));
	if (!user || !user.active || user.passwordHash !== unusablePasswordHash) return null;
	const clinic = await getClinic(db);
	return { email: user.email, displayName: user.displayName, clinicName: clinic?.name ?? 'ClinicSync' };
}

export type AcceptInvitationResult =
	| { ok: true; user: User; token: string; expiresAt: Date; setUpMfa: boolean }
	| { ok: false; reason: 'link' | 'policy'; message: string };

export const deadInvitationMessage = 'This invitation link has expired or was already used. Ask the person who invited you to send a new one.';

/**
 * The invited person chooses a password (policy applies) and is signed in: the link came by
 * email, so it proved the address as an emailed code would. When the clinic requires a second
 * factor of the role, `setUpMfa` sends them on to set up an authenticator app.
 */
export async function acceptInvitation(
	db: Database,
	linkParam: string,
	password: string,
	context: SessionContext & { sessionTtlMs: number; requestId?: string | null }
): Promise<AcceptInvitationResult> {
	const parsed = parseLinkParam(linkParam);
	const view = await readInvitation(db, linkParam);
	if (!parsed || !view) return { ok: false, reason: 'link', message: deadInvitationMessage };
	const problem = checkPassword(password, { email: view.email, clinicName: view.clinicName });
	if (problem) return { ok: false, reason: 'policy', message: problem };
	const passwordHash = await hashPassword(password);
	const subject: AuditSubject = { sourceAddress: context.sourceAddress ?? null, requestId: context.requestId ?? null, userId: parsed.userId };
	const token = generateSessionToken();
	const accepted = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		if (!(await consumeLinkToken(tx, 'invitation', parsed.userId, parsed.token))) return null;
		const [user] = await tx
			.update(users)
			.set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
			.where(and(eq(users.id, parsed.userId), eq(users.passwordHash, unusablePasswordHash)))
			.returning();
		if (!user) return null;
		const session = await createSession(tx, token, user.id, context.sessionTtlMs, context);
		await recordAuditEvent(tx, { ...subject, role: user.role }, { action: 'user.invite_accepted', outcome: 'success', resourceType: 'user', resourceId: user.id });
		await recordAuditEvent(tx, { ...subject, role: user.role }, { action: 'session.sign_in', outcome: 'success', reason: 'invitation accepted' });
		return { user, expiresAt: session.expiresAt };
	});
	if (!accepted) return { ok: false, reason: 'link', message: deadInvitationMessage };
	const requirement = await mfaRequirement(db, accepted.user);
	return { ok: true, user: accepted.user, token, expiresAt: accepted.expiresAt, setUpMfa: requirement.requiredByPolicy && !requirement.hasTotp };
}
