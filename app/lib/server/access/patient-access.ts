import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, patients, proxyGrants } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { AccessDenied, NotFound } from './errors';
import { partsByRole, partsForProxyScopes, roleMay, type RecordPart, type RolePermission } from './policy';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';

/**
 * The one access seam for patient data. Every read or write of a patient's record calls
 * `authorizePatient` (which audits both the grant and the refusal) or `patientListScope`
 * (which fails closed for portal users), and nothing else decides who sees what.
 */

export interface PatientAccess {
	patientId: string;
	/** The parts of the record this actor may see; always includes 'demographics'. */
	parts: ReadonlySet<RecordPart>;
}

interface AuthorizeOptions {
	action: AuditAction;
	/** Parts the caller needs; access is denied unless all of them are allowed. */
	require?: readonly RecordPart[];
	resourceType?: string;
	resourceId?: string;
}

export async function authorizePatient(
	db: Database,
	actor: Actor,
	patientId: string,
	options: AuthorizeOptions
): Promise<PatientAccess> {
	const audit = (outcome: 'success' | 'denied', reason: string) =>
		recordAuditEvent(db, actor, {
			action: options.action,
			outcome,
			patientId,
			resourceType: options.resourceType ?? 'patient',
			resourceId: options.resourceId ?? patientId,
			reason
		});

	const [patient] = await db.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId));
	if (!patient) throw new NotFound('No patient with that id.');

	const allowed = await allowedParts(db, actor, patientId);
	const required = options.require ?? ['demographics'];
	const missing = required.filter((part) => !allowed.has(part));
	if (!allowed.has('demographics') || missing.length > 0) {
		await audit('denied', missing.length > 0 ? `missing: ${missing.join(',')}` : 'no relationship');
		throw new AccessDenied('You do not have access to this part of the patient record.');
	}
	await audit('success', `parts: ${[...allowed].join(',')}`);
	return { patientId, parts: allowed };
}

async function allowedParts(db: Database, actor: Actor, patientId: string): Promise<Set<RecordPart>> {
	switch (actor.role) {
		case 'patient':
			return new Set(actor.patientId === patientId ? partsByRole.patient : []);
		case 'proxy': {
			const scopes = await activeProxyScopes(db, actor.userId, patientId);
			return new Set(partsForProxyScopes(scopes));
		}
		case 'physician':
		case 'nurse': {
			// Any clinician may find a patient; the chart opens only for the care team.
			const onTeam = actor.practitionerId !== null && (await isOnCareTeam(db, actor.practitionerId, patientId));
			return new Set(onTeam ? partsByRole[actor.role] : (['demographics'] as RecordPart[]));
		}
		default:
			return new Set(partsByRole[actor.role]);
	}
}

export async function isOnCareTeam(db: Database, practitionerId: string, patientId: string): Promise<boolean> {
	const rows = await db
		.select({ one: sql<number>`1` })
		.from(careTeamMembers)
		.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
		.where(and(eq(careTeams.patientId, patientId), eq(careTeamMembers.practitionerId, practitionerId)))
		.limit(1);
	return rows.length > 0;
}

async function activeProxyScopes(db: Database, proxyUserId: string, patientId: string): Promise<string[]> {
	const rows = await db
		.select({ scopes: proxyGrants.scopes })
		.from(proxyGrants)
		.where(
			and(
				eq(proxyGrants.proxyUserId, proxyUserId),
				eq(proxyGrants.patientId, patientId),
				isNull(proxyGrants.revokedAt),
				or(isNull(proxyGrants.expiresAt), gt(proxyGrants.expiresAt, new Date()))
			)
		);
	return rows.flatMap((r) => r.scopes);
}

/** The patients a portal user may act for: their own record and active proxy grants. */
export async function portalPatientIds(db: Database, actor: Actor): Promise<string[]> {
	if (actor.role === 'patient') return actor.patientId ? [actor.patientId] : [];
	if (actor.role !== 'proxy') return [];
	const rows = await db
		.select({ patientId: proxyGrants.patientId })
		.from(proxyGrants)
		.where(
			and(
				eq(proxyGrants.proxyUserId, actor.userId),
				isNull(proxyGrants.revokedAt),
				or(isNull(proxyGrants.expiresAt), gt(proxyGrants.expiresAt, new Date()))
			)
		);
	return rows.map((r) => r.patientId);
}

/** Role-level checks (not about one patient); denials are thrown, and audited by the caller's action. */
export function requirePermission(actor: Actor, permission: RolePermission): void {
	if (!roleMay(actor.role, permission)) throw new AccessDenied('Your role does not allow this.');
}
