/**
 * Reports shown in a video consult. Sharing a document into a call also shares it with the
 * patient: it then appears in their portal (list, download, annotations) and stays there after
 * the call, so the annotations made together can be reopened. Patients and proxies never see a
 * document nobody shared with them (documents.ts and document-access.ts enforce that).
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { consultEvents, consultParticipants, consultSharedDocuments, consults, documentPatientShares, documents, users, type Consult } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { isClinician, isPortalUser } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizeAgent, authorizePatient, requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { publishConsultChange } from './consult-changes';
import { ConsultRefusal } from './errors';
import { roleMayAnnotate } from './settings';

export interface SharedDocument {
	documentId: string;
	title: string;
	contentType: string;
}

export interface ConsultDocument extends SharedDocument {
	sharedAt: string;
	sharedByName: string | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checkId(value: string, what: string): void {
	if (typeof value !== 'string' || !uuidPattern.test(value)) throw new ConsultRefusal('invalid', `That is not a valid ${what} id.`);
}

async function findConsult(db: Database, consultId: string): Promise<Consult> {
	const [consult] = await db.select().from(consults).where(eq(consults.id, consultId));
	if (!consult) throw new NotFound('There is no such consult.');
	return consult;
}

/** The document, if it belongs to this patient (another patient's document is not found here). */
async function findPatientDocument(db: Database, patientId: string, documentId: string): Promise<SharedDocument | null> {
	const [row] = await db
		.select({ documentId: documents.id, title: documents.title, contentType: documents.contentType })
		.from(documents)
		.where(and(eq(documents.id, documentId), eq(documents.patientId, patientId)));
	return row ?? null;
}

/** A clinician (consult.host) with the patient's documents; the refusal is audited under `action`. */
async function authorizeSharingClinician(db: Database, actor: Actor, patientId: string, documentId: string): Promise<void> {
	try {
		requirePermission(actor, 'consult.host');
	} catch (error) {
		if (error instanceof AccessDenied)
			await recordAuditEvent(db, actor, { action: 'consult.document_share', outcome: 'denied', patientId, resourceType: 'document', resourceId: documentId, reason: 'role' });
		throw error;
	}
	await authorizePatient(db, actor, patientId, { action: 'consult.document_share', require: ['documents'], resourceType: 'document', resourceId: documentId });
}

async function insertPatientShare(db: Pick<Database, 'insert'>, actor: Actor, documentId: string): Promise<void> {
	await db.insert(documentPatientShares).values({ documentId, sharedBy: actor.userId }).onConflictDoNothing();
}

/**
 * Shows a report of the consult's patient in the call: the sharer must be a clinician admitted
 * to the (not ended) consult with access to the patient's documents. Records the share in the
 * consult, shares the document with the patient, audits `consult.document_share` and adds
 * `document_shared` to the visit's timeline. Sharing the same document again is harmless.
 */
export async function shareDocumentIntoConsult(db: Database, actor: Actor, consultId: string, documentId: string): Promise<SharedDocument> {
	checkId(consultId, 'consult');
	checkId(documentId, 'document');
	const consult = await findConsult(db, consultId);
	await authorizeSharingClinician(db, actor, consult.patientId, documentId);
	if (consult.status === 'ended') throw new ConsultRefusal('ended', 'This consult has ended; open the report from the patient’s chart instead.');
	const [participant] = await db
		.select({ status: consultParticipants.status })
		.from(consultParticipants)
		.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.userId, actor.userId)));
	if (participant?.status !== 'admitted') throw new ConsultRefusal('not_admitted', 'Join the call before you share a report in it.');
	const document = await findPatientDocument(db, consult.patientId, documentId);
	if (!document) {
		await recordAuditEvent(db, actor, {
			action: 'consult.document_share',
			outcome: 'failure',
			patientId: consult.patientId,
			resourceType: 'document',
			resourceId: documentId,
			reason: 'not a document of the consult patient'
		});
		throw new NotFound('That document is not in this patient’s record.');
	}
	await db.transaction(async (tx) => {
		await tx.insert(consultSharedDocuments).values({ consultId, documentId, sharedBy: actor.userId }).onConflictDoNothing();
		await insertPatientShare(tx, actor, documentId);
		await tx.insert(consultEvents).values({ consultId, kind: 'document_shared', userId: actor.userId, detail: { documentId } });
		await recordAuditEvent(tx, actor, {
			action: 'consult.document_share',
			outcome: 'success',
			patientId: consult.patientId,
			resourceType: 'document',
			resourceId: documentId,
			reason: `into consult ${consultId}`
		});
	});
	publishConsultChange({ consultId, kind: 'view' });
	return document;
}

/** Shares a report with the patient outside a call (from the chart): a clinician with the patient's documents. */
export async function shareDocumentWithPatient(db: Database, actor: Actor, patientId: string, documentId: string): Promise<SharedDocument> {
	checkId(patientId, 'patient');
	checkId(documentId, 'document');
	await authorizeSharingClinician(db, actor, patientId, documentId);
	const document = await findPatientDocument(db, patientId, documentId);
	if (!document) throw new NotFound('That document is not in this patient’s record.');
	await db.transaction(async (tx) => {
		await insertPatientShare(tx, actor, documentId);
		await recordAuditEvent(tx, actor, { action: 'consult.document_share', outcome: 'success', patientId, resourceType: 'document', resourceId: documentId, reason: 'with the patient' });
	});
	return document;
}

/**
 * The reports shared in one consult, oldest first: for its clinicians (with the patient's
 * documents) and for the patient or a proxy with the records scope. Audited `consult.document_view`.
 */
export async function listConsultDocuments(db: Database, actor: Actor, consultId: string): Promise<ConsultDocument[]> {
	checkId(consultId, 'consult');
	const consult = await findConsult(db, consultId);
	const options = { action: 'consult.document_view', resourceType: 'consult', resourceId: consultId } as const;
	if (isPortalUser(actor)) await authorizeAgent(db, actor, consult.patientId, { ...options, scope: 'records' });
	else if (isClinician(actor) || actor.role === 'clinic_admin') await authorizePatient(db, actor, consult.patientId, { ...options, require: ['documents'] });
	else {
		await recordAuditEvent(db, actor, { ...options, outcome: 'denied', patientId: consult.patientId, reason: 'role' });
		throw new AccessDenied('Your role cannot see the reports of a consult.');
	}
	const rows = await db
		.select({
			documentId: documents.id,
			title: documents.title,
			contentType: documents.contentType,
			sharedAt: consultSharedDocuments.sharedAt,
			sharedByName: users.displayName
		})
		.from(consultSharedDocuments)
		.innerJoin(documents, eq(documents.id, consultSharedDocuments.documentId))
		.leftJoin(users, eq(users.id, consultSharedDocuments.sharedBy))
		.where(eq(consultSharedDocuments.consultId, consultId))
		.orderBy(asc(consultSharedDocuments.sharedAt), asc(documents.id));
	return rows.map(({ sharedAt, ...row }) => ({ ...row, sharedAt: sharedAt.toISOString() }));
}

export interface ReportView extends SharedDocument {
	patientId: string;
	kind: string;
	uploadedAt: string;
	sharedWithPatient: boolean;
	/** May this person draw on it (the clinic's annotating roles)? The collab server decides again. */
	canAnnotate: boolean;
}

/**
 * A report to reopen with its annotations (after a call, or from the chart or the portal): the
 * patient's documents part through the access module (audited `document.view`); the patient
 * and proxies only a report shared with the patient — another is answered like a missing one.
 */
export async function openReport(db: Database, actor: Actor, patientId: string, documentId: string): Promise<ReportView> {
	checkId(patientId, 'patient');
	checkId(documentId, 'document');
	if (!isPortalUser(actor) && !isClinician(actor) && actor.role !== 'clinic_admin') {
		await recordAuditEvent(db, actor, { action: 'document.view', outcome: 'denied', patientId, resourceType: 'document', resourceId: documentId, reason: 'role' });
		throw new AccessDenied('Your role cannot open reports.');
	}
	await authorizePatient(db, actor, patientId, { action: 'document.view', require: ['documents'], resourceType: 'document', resourceId: documentId });
	const [row] = await db
		.select({ document: documents, sharedAt: documentPatientShares.sharedAt })
		.from(documents)
		.leftJoin(documentPatientShares, eq(documentPatientShares.documentId, documents.id))
		.where(and(eq(documents.id, documentId), eq(documents.patientId, patientId)));
	const sharedWithPatient = row?.sharedAt != null;
	if (!row || (isPortalUser(actor) && !sharedWithPatient)) {
		await recordAuditEvent(db, actor, {
			action: 'document.view',
			outcome: row ? 'denied' : 'failure',
			patientId,
			resourceType: 'document',
			resourceId: documentId,
			reason: row ? 'not shared with the patient' : 'no such document for this patient'
		});
		throw new NotFound('There is no report at this address.');
	}
	const { document } = row;
	return {
		documentId: document.id,
		patientId,
		title: document.title,
		contentType: document.contentType,
		kind: document.kind,
		uploadedAt: document.createdAt.toISOString(),
		sharedWithPatient,
		canAnnotate: await roleMayAnnotate(db, actor.role)
	};
}
