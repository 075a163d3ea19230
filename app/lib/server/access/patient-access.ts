import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, patients, proxyGrants, recordShares, type ProxyScope } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { AccessDenied, NotFound } from './errors';
import { activeBreakGlassFor, activeProxyScopes, activeSharesFor } from './grants';
import { partsByRole, partsForProxyScopes, recordParts, roleMay, type RecordPart, type RolePermission } from './policy';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';

/**
 * The one access seam for patient data. Every read or write of a patient's record calls
 * `authorizePatient` (which audits both the grant and the refusal) or one of the scoped list
 * queries below (which fail closed), and nothing else decides who sees what.
 *
 * Paths to a record, each named in the audit reason so a reviewer can tell how access came:
 *  - 'self'            a patient, their own record
 *  - 'proxy grant'     a parent or caregiver, within the grant's scopes
 *  - 'care team'       a physician or nurse on the patient's care team
 *  - 'share <id>'      a practitioner or outside person the patient shared parts with
 *  - 'break-glass <id>' a physician or nurse outside the care team, in an emergency, for 60 minutes
 *  - 'admin'           a clinic administrator
 *  - 'role <role>'     what a role sees of any patient (demographics for clinicians and the
 *                      front desk, codes for billing)
 */

export interface PatientAccess {
	patientId: string;
	/**
	 * The parts of the record this actor may see. Never empty. Includes 'demographics' for
	 * everyone but an outside person whose share leaves out contact details.
	 */
	parts: ReadonlySet<RecordPart>;
	/** The paths that granted the parts, as written to the audit trail. */
	via: readonly string[];
}

interface AuthorizeOptions {
	action: AuditAction;
	/**
	 * Parts the caller needs; access is denied unless all of them are allowed. Default
	 * ['demographics']; pass [] to accept any relationship with the record (a shared-record page
	 * that shows whatever was shared).
	 */
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

	const grant = await allowedParts(db, actor, patientId);
	const required = options.require ?? ['demographics'];
	const missing = required.filter((part) => !grant.parts.has(part));
	if (grant.parts.size === 0 || missing.length > 0) {
		await audit('denied', grant.parts.size === 0 ? 'no relationship' : `missing: ${missing.join(',')}; via ${grant.via.join(', ')}`);
		throw new AccessDenied('You do not have access to this part of the patient record.');
	}
	await audit('success', `via ${grant.via.join(', ')}; parts: ${[...grant.parts].join(',')}`);
	return { patientId, parts: grant.parts, via: grant.via };
}

/** Which parts, and by which paths. Parts keep the order of recordParts. */
class Grant {
	private readonly granted = new Set<RecordPart>();
	readonly via: string[] = [];

	add(parts: readonly RecordPart[], path: string): void {
		if (parts.length === 0) return;
		for (const part of parts) this.granted.add(part);
		this.via.push(path);
	}

	get parts(): Set<RecordPart> {
		return new Set(recordParts.filter((part) => this.granted.has(part)));
	}
}

async function allowedParts(db: Database, actor: Actor, patientId: string, now = new Date()): Promise<{ parts: Set<RecordPart>; via: string[] }> {
	const grant = new Grant();
	switch (actor.role) {
		case 'patient':
			if (actor.patientId === patientId) grant.add(partsByRole.patient, 'self');
			break;
		case 'proxy':
			grant.add(partsForProxyScopes(await activeProxyScopes(db, actor.userId, patientId, now)), 'proxy grant');
			break;
		case 'physician':
		case 'nurse': {
			if (actor.practitionerId !== null && (await isOnCareTeam(db, actor.practitionerId, patientId))) {
				grant.add(partsByRole[actor.role], 'care team');
				break;
			}
			// Any clinician may find a patient; the chart opens for the care team, a share or an emergency.
			grant.add(['demographics'], `role ${actor.role}`);
			const [shares, emergency] = await Promise.all([activeSharesFor(db, actor.userId, patientId, now), activeBreakGlassFor(db, actor.userId, patientId, now)]);
			for (const share of shares) grant.add(share.parts, `share ${share.id}`);
			if (emergency) grant.add(partsByRole[actor.role], `break-glass ${emergency.id}`);
			break;
		}
		case 'external':
			// Only what a share names, of only that patient.
			for (const share of await activeSharesFor(db, actor.userId, patientId, now)) grant.add(share.parts, `share ${share.id}`);
			break;
		case 'clinic_admin':
			grant.add(partsByRole.clinic_admin, 'admin');
			break;
		default:
			grant.add(partsByRole[actor.role], `role ${actor.role}`);
	}
	return { parts: grant.parts, via: grant.via };
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

/**
 * The patients whose records were shared with an outside person (active shares only). Anyone
 * else gets an empty list: clinicians reach shared charts through the staff workspace.
 */
export async function externalPatientIds(db: Database, actor: Actor, now = new Date()): Promise<string[]> {
	if (actor.role !== 'external') return [];
	const rows = await db
		.selectDistinct({ patientId: recordShares.patientId })
		.from(recordShares)
		.where(and(eq(recordShares.granteeUserId, actor.userId), isNull(recordShares.revokedAt), gt(recordShares.expiresAt, now)));
	return rows.map((r) => r.patientId);
}

/**
 * The patients for whom a portal user manages a matter of the given scope: a patient their own
 * record, a proxy the patients whose grant carries the scope (e.g. 'records' to share the record
 * and to read who looked at it).
 */
export async function agentPatientIds(db: Database, actor: Actor, scope: ProxyScope): Promise<string[]> {
	if (actor.role === 'patient') return actor.patientId ? [actor.patientId] : [];
	if (actor.role !== 'proxy') return [];
	const rows = await db
		.select({ patientId: proxyGrants.patientId, scopes: proxyGrants.scopes })
		.from(proxyGrants)
		.where(
			and(
				eq(proxyGrants.proxyUserId, actor.userId),
				isNull(proxyGrants.revokedAt),
				or(isNull(proxyGrants.expiresAt), gt(proxyGrants.expiresAt, new Date()))
			)
		);
	return [...new Set(rows.filter((r) => r.scopes.includes(scope)).map((r) => r.patientId))];
}

/** Proof that the actor may act for the patient in a scope; taken by the sharing and access-log modules. */
export interface PatientAgency {
	patientId: string;
	via: 'self' | 'proxy grant';
}

/**
 * May this person act for the patient in `scope` — the patient themself, or a proxy whose active
 * grant carries the scope? Audited like authorizePatient: the refusal always, the grant unless
 * the caller records the outcome itself.
 */
export async function authorizeAgent(
	db: Database,
	actor: Actor,
	patientId: string,
	options: {
		action: AuditAction;
		scope: ProxyScope;
		resourceType?: string;
		resourceId?: string;
		/** False when the caller writes its own, fuller success event (e.g. the share it created). */
		auditSuccess?: boolean;
	}
): Promise<PatientAgency> {
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
	let via: PatientAgency['via'] | null = null;
	if (actor.role === 'patient' && actor.patientId === patientId) via = 'self';
	else if (actor.role === 'proxy' && (await activeProxyScopes(db, actor.userId, patientId)).includes(options.scope)) via = 'proxy grant';
	if (!via) {
		await audit('denied', `not an agent for ${options.scope}`);
		throw new AccessDenied('Only the patient, or someone they gave access to their records, can do this.');
	}
	if (options.auditSuccess !== false) await audit('success', `via ${via}; scope ${options.scope}`);
	return { patientId, via };
}

/** Role-level checks (not about one patient); denials are thrown, and audited by the caller's action. */
export function requirePermission(actor: Actor, permission: RolePermission): void {
	if (!roleMay(actor.role, permission)) throw new AccessDenied('Your role does not allow this.');
}
