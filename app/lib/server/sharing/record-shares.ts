import { and, asc, desc, eq, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, practitioners, recordParts, recordShares, users, type RecordPart, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { emitAccessEvent } from '../access/access-events';
import { NotFound } from '../access/errors';
import { authorizeAgent, type PatientAgency } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { AccountExists, inviteUser } from '../auth/invitations';
import { getClinic } from '../clinic/clinic';
import { enqueueEmail } from '../mail/outbox';
import { shareDateRange, shareEndDate, shareExpiry } from './share-dates';

/**
 * Patient-controlled sharing: the patient (or a proxy whose grant carries the 'records' scope)
 * shares chosen parts of the record, until a date, with a practitioner of the clinic who is
 * not on the care team, or with an outside person (an 'external' account, invited by email).
 * The access module grants what an active share names; revoking ends it at once, on open
 * connections too (access-events.ts).
 */

/** The parts as a patient reads them. */
export const sharePartLabels: Record<RecordPart, string> = {
	demographics: 'Contact details',
	codes: 'Diagnoses and visits',
	clinical: 'Medications, allergies, vitals and lab results',
	documents: 'Documents'
};

export type ShareRecipient = { kind: 'practitioner'; userId: string } | { kind: 'external'; displayName: string; email: string };

export interface NewShareInput {
	parts: RecordPart[];
	/** Last day of the share, "YYYY-MM-DD", in the clinic's time zone. */
	endDate: string;
	recipient: ShareRecipient;
}

/** A choice the person can fix, in plain words, with the form field it belongs to. */
export class InvalidShare extends Error {
	readonly status = 400;
	constructor(
		readonly field: 'parts' | 'endDate' | 'practitioner' | 'email' | 'displayName',
		message: string
	) {
		super(message);
		this.name = 'InvalidShare';
	}
}

const clinicianRoles: Role[] = ['physician', 'nurse'];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createRecordShare(
	db: Database,
	actor: Actor,
	patientId: string,
	input: NewShareInput,
	options: { origin: string; now?: Date }
): Promise<{ shareId: string; granteeUserId: string; invited: boolean; expiresAt: Date }> {
	const now = options.now ?? new Date();
	const clinic = await getClinic(db);
	const timeZone = clinic?.timeZone ?? 'UTC';
	const parts = recordParts.filter((part) => input.parts.includes(part));
	if (parts.length === 0) throw new InvalidShare('parts', 'Choose at least one part of your record to share.');
	const range = shareDateRange(timeZone, now);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(input.endDate) || Number.isNaN(Date.parse(`${input.endDate}T00:00:00Z`))) {
		throw new InvalidShare('endDate', 'Enter the last day of sharing as a date.');
	}
	if (input.endDate < range.earliest) throw new InvalidShare('endDate', 'Choose today or a day in the future.');
	if (input.endDate > range.latest) throw new InvalidShare('endDate', 'You can share for up to one year. Choose an earlier day.');
	const expiresAt = shareExpiry(input.endDate, timeZone);

	const agency = await authorizeAgent(db, actor, patientId, { action: 'share.create', scope: 'records', auditSuccess: false });

	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		let granteeUserId: string;
		let invited = false;
		let notifyEmail: string | null = null;
		if (input.recipient.kind === 'practitioner') {
			if (!uuidPattern.test(input.recipient.userId)) throw new InvalidShare('practitioner', 'Choose a practitioner from the list.');
			const choosable = await shareablePractitioners(tx, agency, [input.recipient.userId]);
			if (choosable.length === 0) throw new InvalidShare('practitioner', 'Choose a practitioner from the list.');
			granteeUserId = input.recipient.userId;
		} else {
			const email = input.recipient.email.trim().toLowerCase();
			const displayName = input.recipient.displayName.trim();
			if (displayName === '') throw new InvalidShare('displayName', 'Enter the name of the person you are sharing with.');
			if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new InvalidShare('email', 'Enter a valid email address, like name@example.org.');
			const [existing] = await tx.select({ id: users.id, role: users.role, active: users.active }).from(users).where(sql`lower(${users.email}) = ${email}`);
			if (existing) {
				// An outside person already known from an earlier share keeps one account. Any other
				// account cannot become an outside person; the message does not say which it is.
				if (existing.role !== 'external' || !existing.active) {
					throw new InvalidShare('email', 'That email address cannot be used for an outside person. Use a different one, or choose a practitioner of the clinic.');
				}
				granteeUserId = existing.id;
				notifyEmail = email;
			} else {
				try {
					({ userId: granteeUserId } = await inviteUser(tx, actor, { email, displayName, role: 'external' }, { origin: options.origin }));
				} catch (error) {
					if (error instanceof AccountExists) throw new InvalidShare('email', 'Someone just created an account with that email address. Try again.');
					throw error;
				}
				invited = true;
			}
		}
		const [share] = await tx
			.insert(recordShares)
			.values({ patientId, grantedByUserId: actor.userId, granteeUserId, parts, expiresAt, createdAt: now })
			.returning({ id: recordShares.id });
		const shareId = share!.id;
		if (notifyEmail) {
			await enqueueEmail(tx, {
				idempotencyKey: `record-share:${shareId}`,
				topic: 'record_share',
				email: {
					to: notifyEmail,
					subject: `A health record was shared with you at ${clinic?.name ?? 'ClinicSync'}`,
					text: [
						'Hello,',
						'',
						`${actor.displayName} has shared parts of a health record with you at ${clinic?.name ?? 'the clinic'}, until ${input.endDate}.`,
						`Sign in to see it: ${options.origin.replace(/\/+$/, '')}/portal/shared`,
						'',
						'If you did not expect this email, you can ignore it.'
					].join('\n')
				}
			});
		}
		await recordAuditEvent(tx, actor, {
			action: 'share.create',
			outcome: 'success',
			patientId,
			resourceType: 'record_share',
			resourceId: shareId,
			reason: `via ${agency.via}; to ${input.recipient.kind} user ${granteeUserId}; parts: ${parts.join(',')}; until ${expiresAt.toISOString()}`
		});
		return { shareId, granteeUserId, invited, expiresAt };
	});
}

/**
 * Ends a share now. Idempotent: revoking a revoked share changes nothing and tells no one.
 * Open sockets and collaborative connections of the grantee to this patient close within the
 * same turn of the event loop (server/realtime.ts, collab-server/).
 */
export async function revokeRecordShare(db: Database, actor: Actor, shareId: string): Promise<{ revoked: boolean }> {
	const [share] = await db
		.select({ id: recordShares.id, patientId: recordShares.patientId, granteeUserId: recordShares.granteeUserId })
		.from(recordShares)
		.where(eq(recordShares.id, shareId));
	if (!share) throw new NotFound('No share with that id.');
	const agency = await authorizeAgent(db, actor, share.patientId, {
		action: 'share.revoke',
		scope: 'records',
		resourceType: 'record_share',
		resourceId: shareId,
		auditSuccess: false
	});
	const changed = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const rows = await tx
			.update(recordShares)
			.set({ revokedAt: new Date() })
			.where(and(eq(recordShares.id, shareId), isNull(recordShares.revokedAt)))
			.returning({ id: recordShares.id });
		if (rows.length > 0) {
			await recordAuditEvent(tx, actor, {
				action: 'share.revoke',
				outcome: 'success',
				patientId: share.patientId,
				resourceType: 'record_share',
				resourceId: shareId,
				reason: `via ${agency.via}; from user ${share.granteeUserId}`
			});
		}
		return rows.length > 0;
	});
	if (changed) emitAccessEvent({ kind: 'access-revoked', userId: share.granteeUserId, patientId: share.patientId, cause: `share ${shareId}` });
	return { revoked: changed };
}

export interface ShareSummary {
	id: string;
	granteeName: string;
	granteeEmail: string;
	granteeKind: 'practitioner' | 'external';
	/** "Ana Ruiz, MD · Family medicine" for a practitioner; empty for an outside person. */
	granteeDetail: string;
	parts: RecordPart[];
	createdAt: string;
	expiresAt: string;
	/** Last day covered, "YYYY-MM-DD", clinic time. */
	endDate: string;
	revokedAt: string | null;
	status: 'active' | 'expired' | 'revoked';
	grantedByName: string | null;
}

/** Every share of the patient's record, active first, then the newest. */
export async function listRecordShares(db: Database, agency: PatientAgency, now = new Date()): Promise<ShareSummary[]> {
	const clinic = await getClinic(db);
	const timeZone = clinic?.timeZone ?? 'UTC';
	const grantor = alias(users, 'grantor');
	const rows = await db
		.select({
			id: recordShares.id,
			parts: recordShares.parts,
			createdAt: recordShares.createdAt,
			expiresAt: recordShares.expiresAt,
			revokedAt: recordShares.revokedAt,
			granteeName: users.displayName,
			granteeEmail: users.email,
			granteeRole: users.role,
			credentials: practitioners.credentials,
			specialty: practitioners.specialty,
			grantedByName: grantor.displayName
		})
		.from(recordShares)
		.innerJoin(users, eq(users.id, recordShares.granteeUserId))
		.leftJoin(practitioners, eq(practitioners.id, users.practitionerId))
		.leftJoin(grantor, eq(grantor.id, recordShares.grantedByUserId))
		.where(eq(recordShares.patientId, agency.patientId))
		.orderBy(desc(recordShares.createdAt));
	const summaries = rows.map((r): ShareSummary => {
		const status = r.revokedAt ? 'revoked' : r.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
		const external = r.granteeRole === 'external';
		return {
			id: r.id,
			granteeName: r.granteeName,
			granteeEmail: r.granteeEmail,
			granteeKind: external ? 'external' : 'practitioner',
			granteeDetail: external ? '' : [r.credentials, r.specialty].filter(Boolean).join(' · '),
			parts: recordParts.filter((p) => r.parts.includes(p)),
			createdAt: r.createdAt.toISOString(),
			expiresAt: r.expiresAt.toISOString(),
			endDate: shareEndDate(r.expiresAt, timeZone),
			revokedAt: r.revokedAt?.toISOString() ?? null,
			status,
			grantedByName: r.grantedByName
		};
	});
	return [...summaries.filter((s) => s.status === 'active'), ...summaries.filter((s) => s.status !== 'active')];
}

export interface ShareablePractitioner {
	userId: string;
	name: string;
	kind: 'physician' | 'nurse';
	specialty: string;
}

/** Clinicians with an active account who are not on the patient's care team, by family name. */
export async function listShareablePractitioners(db: Database, agency: PatientAgency): Promise<ShareablePractitioner[]> {
	return shareablePractitioners(db, agency);
}

async function shareablePractitioners(db: Database, agency: PatientAgency, onlyUserIds?: string[]): Promise<ShareablePractitioner[]> {
	const onTeam = db
		.select({ id: careTeamMembers.practitionerId })
		.from(careTeamMembers)
		.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
		.where(eq(careTeams.patientId, agency.patientId));
	const rows = await db
		.select({
			userId: users.id,
			givenName: practitioners.givenName,
			familyName: practitioners.familyName,
			credentials: practitioners.credentials,
			kind: practitioners.kind,
			specialty: practitioners.specialty
		})
		.from(users)
		.innerJoin(practitioners, eq(practitioners.id, users.practitionerId))
		.where(
			and(
				inArray(users.role, clinicianRoles),
				eq(users.active, true),
				isNotNull(users.practitionerId),
				notInArray(practitioners.id, onTeam),
				onlyUserIds ? inArray(users.id, onlyUserIds) : undefined
			)
		)
		.orderBy(asc(practitioners.familyName), asc(practitioners.givenName));
	return rows.map((r) => ({
		userId: r.userId,
		name: `${r.givenName} ${r.familyName}${r.credentials ? `, ${r.credentials}` : ''}`,
		kind: r.kind,
		specialty: r.specialty
	}));
}
