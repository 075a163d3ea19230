import { and, count, desc, eq, gt } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { breakGlassAccesses, patients, users, type Role } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { emitAccessEvent } from './access-events';
import { AccessDenied, NotFound } from './errors';
import { activeBreakGlassFor, type ActiveBreakGlass } from './grants';
import { isOnCareTeam, requirePermission } from './patient-access';
import { roleMay } from './policy';
import { recordAuditEvent } from '../audit/audit-log';

/**
 * "Break the glass": a physician or nurse outside a patient's care team opens the full chart in
 * an emergency, after saying why. The access lasts 60 minutes; the access module grants it
 * while the row is unexpired. The stated reason goes into the audit trail, to the clinic
 * administrators' review (/admin/break-glass) and to the patient ("Who looked at my record").
 */

export const breakGlassMinutes = 60;
export const breakGlassReasonMin = 10;
export const breakGlassReasonMax = 500;

/** A refusal the person can fix: which field, in plain words. */
export class InvalidBreakGlass extends Error {
	readonly status = 400;
	constructor(
		readonly field: 'reason' | 'confirm',
		message: string
	) {
		super(message);
		this.name = 'InvalidBreakGlass';
	}
}

/** The person is on the care team already: nothing to break. */
export class BreakGlassNotNeeded extends Error {
	constructor() {
		super('You are on this patient’s care team; the whole chart is open to you.');
		this.name = 'BreakGlassNotNeeded';
	}
}

export interface BreakGlassInput {
	reason: string;
	/** The person ticked "this is an emergency and my access will be reviewed". */
	confirmed: boolean;
}

export async function breakGlass(
	db: Database,
	actor: Actor,
	patientId: string,
	input: BreakGlassInput,
	options: { now?: Date } = {}
): Promise<ActiveBreakGlass> {
	const now = options.now ?? new Date();
	const refuse = async (reason: string, error: Error): Promise<never> => {
		await recordAuditEvent(db, actor, { action: 'patient.break_glass', outcome: 'denied', patientId, resourceType: 'patient', resourceId: patientId, reason });
		throw error;
	};
	const [patient] = await db.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId));
	if (!patient) throw new NotFound('No patient with that id.');
	if (!roleMay(actor.role, 'break_glass.use') || actor.practitionerId === null) {
		return refuse(`role ${actor.role} may not break the glass`, new AccessDenied('Only physicians and nurses can use emergency access.'));
	}
	if (await isOnCareTeam(db, actor.practitionerId, patientId)) throw new BreakGlassNotNeeded();

	const reason = input.reason.trim().replace(/\s+/g, ' ');
	if (reason.length < breakGlassReasonMin) {
		throw new InvalidBreakGlass('reason', `Say why you need this record now, in at least ${breakGlassReasonMin} characters.`);
	}
	if (reason.length > breakGlassReasonMax) throw new InvalidBreakGlass('reason', `Keep the reason under ${breakGlassReasonMax} characters.`);
	if (!input.confirmed) throw new InvalidBreakGlass('confirm', 'Confirm that this is an emergency and that your access will be reviewed.');

	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [row] = await tx
			.insert(breakGlassAccesses)
			.values({ userId: actor.userId, patientId, reason, startedAt: now, expiresAt: new Date(now.getTime() + breakGlassMinutes * 60_000) })
			.returning({ id: breakGlassAccesses.id, reason: breakGlassAccesses.reason, startedAt: breakGlassAccesses.startedAt, expiresAt: breakGlassAccesses.expiresAt });
		// The reason is the clinician's own statement, kept verbatim for the review; the id ties the
		// event to the access row and to every chart view it allows ('break-glass <id>').
		await recordAuditEvent(tx, actor, {
			action: 'patient.break_glass',
			outcome: 'success',
			patientId,
			resourceType: 'break_glass',
			resourceId: row!.id,
			reason
		});
		return row!;
	});
}

/** The actor's own unexpired emergency access to this patient (for the chart's banner), or null. */
export async function currentBreakGlass(db: Database, actor: Actor, patientId: string, now = new Date()): Promise<ActiveBreakGlass | null> {
	if (!roleMay(actor.role, 'break_glass.use')) return null;
	return activeBreakGlassFor(db, actor.userId, patientId, now);
}

/**
 * Ends the actor's emergency access to this patient now, before its 60 minutes run out, and
 * closes the chart on their open connections. Returns false when there was none.
 */
export async function endBreakGlass(db: Database, actor: Actor, patientId: string): Promise<boolean> {
	const now = new Date();
	const ended = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const rows = await tx
			.update(breakGlassAccesses)
			.set({ expiresAt: now })
			.where(and(eq(breakGlassAccesses.userId, actor.userId), eq(breakGlassAccesses.patientId, patientId), gt(breakGlassAccesses.expiresAt, now)))
			.returning({ id: breakGlassAccesses.id });
		for (const row of rows) {
			await recordAuditEvent(tx, actor, { action: 'patient.break_glass_end', outcome: 'success', patientId, resourceType: 'break_glass', resourceId: row.id, reason: 'ended early by the user' });
		}
		return rows;
	});
	for (const row of ended) emitAccessEvent({ kind: 'access-revoked', userId: actor.userId, patientId, cause: `break-glass ${row.id}` });
	return ended.length > 0;
}

export interface BreakGlassReviewRow {
	id: string;
	userId: string;
	userName: string | null;
	userEmail: string | null;
	userRole: Role | null;
	patientId: string;
	patientName: string;
	patientMrn: string;
	reason: string;
	startedAt: string;
	expiresAt: string;
	active: boolean;
}

export const breakGlassPageSize = 50;

/** Every emergency access, newest first, for the clinic administrators' review. Audited as an audit view. */
export async function listBreakGlassAccesses(
	db: Database,
	actor: Actor,
	options: { page?: number; now?: Date } = {}
): Promise<{ rows: BreakGlassReviewRow[]; total: number; page: number; pageSize: number }> {
	try {
		requirePermission(actor, 'audit.view');
	} catch (error) {
		await recordAuditEvent(db, actor, { action: 'audit.view', outcome: 'denied', resourceType: 'break_glass', reason: `role ${actor.role}` });
		throw error;
	}
	const now = options.now ?? new Date();
	const page = Math.max(1, options.page ?? 1);
	const [rows, [total]] = await Promise.all([
		db
			.select({
				id: breakGlassAccesses.id,
				userId: breakGlassAccesses.userId,
				userName: users.displayName,
				userEmail: users.email,
				userRole: users.role,
				patientId: breakGlassAccesses.patientId,
				givenName: patients.givenName,
				familyName: patients.familyName,
				mrn: patients.mrn,
				reason: breakGlassAccesses.reason,
				startedAt: breakGlassAccesses.startedAt,
				expiresAt: breakGlassAccesses.expiresAt
			})
			.from(breakGlassAccesses)
			.innerJoin(patients, eq(patients.id, breakGlassAccesses.patientId))
			.leftJoin(users, eq(users.id, breakGlassAccesses.userId))
			.orderBy(desc(breakGlassAccesses.startedAt), desc(breakGlassAccesses.id))
			.limit(breakGlassPageSize)
			.offset((page - 1) * breakGlassPageSize),
		db.select({ n: count() }).from(breakGlassAccesses)
	]);
	await recordAuditEvent(db, actor, { action: 'audit.view', outcome: 'success', resourceType: 'break_glass', reason: `break-glass review, page ${page}` });
	return {
		rows: rows.map((r) => ({
			id: r.id,
			userId: r.userId,
			userName: r.userName,
			userEmail: r.userEmail,
			userRole: r.userRole,
			patientId: r.patientId,
			patientName: `${r.givenName} ${r.familyName}`,
			patientMrn: r.mrn,
			reason: r.reason,
			startedAt: r.startedAt.toISOString(),
			expiresAt: r.expiresAt.toISOString(),
			active: r.expiresAt.getTime() > now.getTime()
		})),
		total: Number(total?.n ?? 0),
		page,
		pageSize: breakGlassPageSize
	};
}
