import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { documentPatientShares, documents, encounters, treatmentPlans } from '../../../../db/schema/index';
import { documentSubjectId, type CollabDocumentRef } from '../../collab/document-names';
import type { Actor } from './actor';
import { isClinician, isPortalUser } from './actor';
import { AccessDenied, NotFound } from './errors';
import { authorizePatient } from './patient-access';
import type { RecordPart } from './policy';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';
import { ConsultRefusal } from '../consults/errors';
import { roleMayAnnotate } from '../consults/settings';

/**
 * Who may open which collaborative document, and whether they may change it. The decision is
 * the patient access module's (authorizePatient, which audits); this file only maps a document
 * to its patient and to the parts and roles it needs:
 *  - chart, note: the clinical record. Physicians and nurses with a relationship (care team,
 *    share, emergency access) edit; a clinic administrator reads. Patients and proxies see the
 *    chart's projection in the portal, never the working document.
 *  - plan: clinicians edit; the patient, and a proxy whose grant covers records, follow it
 *    live, read-only; an administrator reads.
 *  - annotations: whoever may see the report's documents opens them; the roles the clinic's
 *    consult settings name annotate (default: physicians, nurses, patients, proxies), the
 *    others read. The patient and a proxy open only the annotations of a report shared with
 *    the patient (document_patient_shares); an unshared report is refused, and audited.
 */
export interface DocumentAccess {
	patientId: string;
	readOnly: boolean;
}

export type DocumentIntent = 'open' | 'history' | 'restore';

const actionByIntent: Record<DocumentIntent, AuditAction> = {
	open: 'collab.open',
	history: 'collab.history_view',
	restore: 'collab.restore'
};

interface DocumentRule {
	parts: readonly RecordPart[];
	/** May this actor change the document (given that the access module granted `parts`)? */
	mayWrite(actor: Actor, db: Database): boolean | Promise<boolean>;
	/** May this actor open it at all? Checked before the access module, so a refusal is audited there too. */
	mayOpen(actor: Actor): boolean;
}

const rules: Record<CollabDocumentRef['kind'], DocumentRule> = {
	chart: { parts: ['clinical'], mayWrite: isClinician, mayOpen: (a) => isClinician(a) || a.role === 'clinic_admin' },
	note: { parts: ['clinical'], mayWrite: isClinician, mayOpen: (a) => isClinician(a) || a.role === 'clinic_admin' },
	plan: { parts: ['clinical'], mayWrite: isClinician, mayOpen: (a) => isClinician(a) || a.role === 'clinic_admin' || isPortalUser(a) },
	annotations: {
		parts: ['documents'],
		mayWrite: (a, db) => (isClinician(a) || isPortalUser(a) || a.role === 'clinic_admin') && mayAnnotate(db, a),
		mayOpen: (a) => isClinician(a) || a.role === 'clinic_admin' || isPortalUser(a)
	}
};

/** The clinic's annotating roles; a database without a clinic row yet (tests) has the schema's defaults. */
async function mayAnnotate(db: Database, actor: Actor): Promise<boolean> {
	try {
		return await roleMayAnnotate(db, actor.role);
	} catch (error) {
		if (error instanceof ConsultRefusal) return isClinician(actor) || isPortalUser(actor);
		throw error;
	}
}

export async function authorizeDocument(db: Database, actor: Actor, ref: CollabDocumentRef, intent: DocumentIntent = 'open'): Promise<DocumentAccess> {
	const subject = await subjectOfDocument(db, ref);
	if (!subject) throw new NotFound('That document does not exist.');
	const { patientId } = subject;
	const rule = rules[ref.kind];
	const resourceId = documentSubjectId(ref);
	const authorize = (require: readonly RecordPart[]) =>
		authorizePatient(db, actor, patientId, { action: actionByIntent[intent], require, resourceType: ref.kind, resourceId });
	if (!rule.mayOpen(actor)) {
		// Still through the access module, so the refusal is audited like any other; a role
		// without the document's parts is refused there. A role that has them but no place here
		// (a billing specialist with a share, say) is refused after.
		await authorize([...rule.parts, 'clinical', 'documents']);
		throw new AccessDenied('Your role cannot open this document.');
	}
	if (subject.draft && isPortalUser(actor)) {
		// A draft plan is the care team's work in progress: refused (and audited as such) until it is made active.
		await recordAuditEvent(db, actor, { action: actionByIntent[intent], outcome: 'denied', patientId, resourceType: ref.kind, resourceId, reason: 'plan is a draft' });
		throw new AccessDenied('Your care team is still drafting this plan.');
	}
	if (subject.unshared && isPortalUser(actor)) {
		await recordAuditEvent(db, actor, { action: actionByIntent[intent], outcome: 'denied', patientId, resourceType: ref.kind, resourceId, reason: 'report not shared with the patient' });
		throw new AccessDenied('This report has not been shared with you.');
	}
	await authorize(rule.parts);
	const readOnly = !(await rule.mayWrite(actor, db));
	if (intent === 'restore' && readOnly) throw new AccessDenied('Your role cannot change this document.');
	return { patientId, readOnly };
}

/**
 * The patient a document belongs to, whether it is a draft plan and whether it is a report not
 * shared with the patient, or null when the encounter, plan or report does not exist.
 */
async function subjectOfDocument(db: Database, ref: CollabDocumentRef): Promise<{ patientId: string; draft: boolean; unshared?: boolean } | null> {
	switch (ref.kind) {
		case 'chart':
			return { patientId: ref.patientId, draft: false };
		case 'note': {
			const [row] = await db.select({ patientId: encounters.patientId }).from(encounters).where(eq(encounters.id, ref.encounterId));
			return row ? { patientId: row.patientId, draft: false } : null;
		}
		case 'plan': {
			const [row] = await db.select({ patientId: treatmentPlans.patientId, status: treatmentPlans.status }).from(treatmentPlans).where(eq(treatmentPlans.id, ref.planId));
			return row ? { patientId: row.patientId, draft: row.status === 'draft' } : null;
		}
		case 'annotations': {
			const [row] = await db
				.select({ patientId: documents.patientId, sharedAt: documentPatientShares.sharedAt })
				.from(documents)
				.leftJoin(documentPatientShares, eq(documentPatientShares.documentId, documents.id))
				.where(eq(documents.id, ref.documentId));
			return row ? { patientId: row.patientId, draft: false, unshared: row.sharedAt === null } : null;
		}
	}
}
