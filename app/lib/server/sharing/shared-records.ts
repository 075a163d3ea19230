import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { patients, recordParts, recordShares, users, type RecordPart } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { authorizePatient, externalPatientIds } from '../access/patient-access';
import { listPatientDocuments, type DocumentSummary } from '../documents/documents';
import { loadClinical, loadCodes, loadDemographics, type PatientClinical, type PatientCodes, type PatientDemographics } from '../patients/record-parts';

/**
 * What an outside person sees: the records shared with them, and of each only the parts an
 * active share names. Scoped by the access module (externalPatientIds, authorizePatient).
 */

export interface SharedWithMe {
	patientId: string;
	givenName: string;
	familyName: string;
	parts: RecordPart[];
	/** The latest expiry of the active shares. */
	expiresAt: string;
	sharedBy: string | null;
}

export async function listRecordsSharedWithMe(db: Database, actor: Actor, now = new Date()): Promise<SharedWithMe[]> {
	const ids = await externalPatientIds(db, actor, now);
	if (ids.length === 0) return [];
	const rows = await db
		.select({
			patientId: recordShares.patientId,
			parts: recordShares.parts,
			expiresAt: recordShares.expiresAt,
			givenName: patients.givenName,
			familyName: patients.familyName,
			sharedBy: users.displayName
		})
		.from(recordShares)
		.innerJoin(patients, eq(patients.id, recordShares.patientId))
		.leftJoin(users, eq(users.id, recordShares.grantedByUserId))
		.where(
			and(
				eq(recordShares.granteeUserId, actor.userId),
				inArray(recordShares.patientId, ids),
				isNull(recordShares.revokedAt),
				gt(recordShares.expiresAt, now)
			)
		)
		.orderBy(asc(patients.familyName), asc(patients.givenName));
	const byPatient = new Map<string, SharedWithMe>();
	for (const row of rows) {
		const found = byPatient.get(row.patientId);
		if (!found) {
			byPatient.set(row.patientId, {
				patientId: row.patientId,
				givenName: row.givenName,
				familyName: row.familyName,
				parts: recordParts.filter((p) => row.parts.includes(p)),
				expiresAt: row.expiresAt.toISOString(),
				sharedBy: row.sharedBy
			});
			continue;
		}
		found.parts = recordParts.filter((p) => found.parts.includes(p) || row.parts.includes(p));
		if (row.expiresAt.toISOString() > found.expiresAt) found.expiresAt = row.expiresAt.toISOString();
	}
	return [...byPatient.values()];
}

export interface SharedRecord {
	patientId: string;
	/** Whose record it is: the name comes with every share, whatever parts it names. */
	name: { givenName: string; familyName: string };
	parts: RecordPart[];
	demographics: PatientDemographics | null;
	codes: PatientCodes | null;
	clinical: PatientClinical | null;
	documents: DocumentSummary[] | null;
}

/** One shared record, the shared parts only; one access decision, one audit event. */
export async function getSharedRecord(db: Database, actor: Actor, patientId: string): Promise<SharedRecord> {
	const access = await authorizePatient(db, actor, patientId, { action: 'patient.view', require: [] });
	const allowed = (part: RecordPart) => access.parts.has(part);
	const [[name], demographics, codes, clinical, documents] = await Promise.all([
		db.select({ givenName: patients.givenName, familyName: patients.familyName }).from(patients).where(eq(patients.id, patientId)),
		allowed('demographics') ? loadDemographics(db, access) : null,
		allowed('codes') ? loadCodes(db, access) : null,
		allowed('clinical') ? loadClinical(db, access) : null,
		allowed('documents') ? listPatientDocuments(db, access) : null
	]);
	if (!name) throw new Error('The patient record disappeared while it was being read.');
	return { patientId, name, parts: [...access.parts], demographics, codes, clinical, documents };
}
