import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { patients, proxyGrants } from '../../../../db/schema/index';
import { isPortalUser, type Actor } from '../access/actor';
import { authorizePatient, portalPatientIds } from '../access/patient-access';
import type { RecordPart } from '../access/policy';
import { listPatientDocuments, type DocumentSummary } from '../documents/documents';
import { loadClinical, loadCodes, loadDemographics, type PatientClinical, type PatientCodes, type PatientDemographics } from './record-parts';

export type * from './record-parts';
export { encounterLimit, interpretLab } from './record-parts';

/**
 * The chart overview: one call, one access decision, one audit event. Each part of the record
 * is loaded only when the access module allowed it, so a part a role may not see is never read
 * from the database, not merely hidden by the page.
 *
 * Times are ISO strings: the overview is a read model for pages, and strings format the same on
 * the server and in the browser.
 */

export interface PatientOverview {
	patientId: string;
	parts: RecordPart[];
	demographics: PatientDemographics;
	codes: PatientCodes | null;
	clinical: PatientClinical | null;
	documents: DocumentSummary[] | null;
}

export async function getPatientOverview(db: Database, actor: Actor, patientId: string): Promise<PatientOverview> {
	const access = await authorizePatient(db, actor, patientId, { action: 'patient.view', require: ['demographics'] });
	const allowed = (part: RecordPart) => access.parts.has(part);
	const [demographics, codes, clinical, documents] = await Promise.all([
		loadDemographics(db, access),
		allowed('codes') ? loadCodes(db, access) : null,
		allowed('clinical') ? loadClinical(db, access) : null,
		// The portal shows the patient only the documents the clinic shared with them.
		allowed('documents') ? listPatientDocuments(db, access, { sharedWithPatientOnly: isPortalUser(actor) }) : null
	]);
	return { patientId, parts: [...access.parts], demographics, codes, clinical, documents };
}

export interface PortalPatient {
	patientId: string;
	givenName: string;
	familyName: string;
	/** How the signed-in person relates to this patient: 'self' or the proxy grant's relationship. */
	relationship: 'self' | 'parent' | 'guardian' | 'caregiver';
}

/**
 * The people a portal user may open, for the portal's person selector. Scoped by
 * `portalPatientIds`; opening a record is still decided (and audited) by getPatientOverview.
 */
export async function listPortalPatients(db: Database, actor: Actor): Promise<PortalPatient[]> {
	const ids = await portalPatientIds(db, actor);
	if (ids.length === 0) return [];
	const rows = await db
		.select({ patientId: patients.id, givenName: patients.givenName, familyName: patients.familyName })
		.from(patients)
		.where(inArray(patients.id, ids))
		.orderBy(asc(patients.givenName), asc(patients.familyName));
	if (actor.role === 'patient') return rows.map((r) => ({ ...r, relationship: 'self' as const }));
	const grants = await db
		.select({ patientId: proxyGrants.patientId, relationship: proxyGrants.relationship })
		.from(proxyGrants)
		// Newest grant last, so it names the relationship when an older one was revoked.
		.where(and(eq(proxyGrants.proxyUserId, actor.userId), inArray(proxyGrants.patientId, ids), isNull(proxyGrants.revokedAt)))
		.orderBy(asc(proxyGrants.createdAt));
	const relationshipOf = new Map(grants.map((g) => [g.patientId, g.relationship]));
	return rows.map((r) => ({ ...r, relationship: relationshipOf.get(r.patientId) ?? 'caregiver' }));
}
