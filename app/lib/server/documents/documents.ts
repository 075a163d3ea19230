import { createHash, randomUUID } from 'node:crypto';
import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { documentContents, documentKinds, documentPatientShares, documents, users } from '../../../../db/schema/index';
import { isPortalUser, type Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizePatient, requirePermission, type PatientAccess } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import type { DocumentCipher } from './cipher';

/**
 * Uploaded reports and images of a patient. The bytes are sealed with the document cipher
 * before they reach the database; metadata and ciphertext are written in one transaction so a
 * document never exists without its contents.
 */

export type DocumentKind = (typeof documentKinds)[number];
export { documentKinds };

/** What is accepted, decided by the file's first bytes; the declared type is only a hint. */
export const acceptedDocumentTypes = {
	'application/pdf': { extension: 'pdf' },
	'image/png': { extension: 'png' },
	'image/jpeg': { extension: 'jpg' },
	'image/webp': { extension: 'webp' }
} as const;
export type AcceptedDocumentType = keyof typeof acceptedDocumentTypes;

export const maxTitleLength = 200;

/** An upload the clinic cannot accept; `status` is what an HTTP adapter answers (400, or 413 for size). */
export class InvalidDocument extends Error {
	readonly field: 'file' | 'title' | 'kind';
	readonly status: 400 | 413;
	constructor(field: 'file' | 'title' | 'kind', message: string, status: 400 | 413 = 400) {
		super(message);
		this.name = 'InvalidDocument';
		this.field = field;
		this.status = status;
	}
}

/** Stored bytes that fail authentication or their checksum: storage was changed or the key is wrong. */
export class DocumentUnreadable extends Error {
	readonly status = 500;
	constructor() {
		super('This document could not be decrypted. It may be damaged; tell your clinic administrator.');
		this.name = 'DocumentUnreadable';
	}
}

export interface DocumentSummary {
	id: string;
	title: string;
	kind: DocumentKind;
	contentType: string;
	byteSize: number;
	uploadedAt: string;
	uploadedByName: string | null;
	/** Shared with the patient (in a consult or from the chart): the portal lists only these. */
	sharedWithPatient: boolean;
}

export interface DocumentMetadata {
	id: string;
	patientId: string;
	title: string;
	kind: DocumentKind;
	contentType: string;
	byteSize: number;
	sha256: string;
	uploadedAt: string;
}

export interface DocumentUpload {
	title: string;
	kind: string;
	file: File;
}

export function sniffDocumentType(bytes: Uint8Array): AcceptedDocumentType | null {
	const starts = (signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
	if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
	if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
	if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
	if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp'; // RIFF....WEBP
	return null;
}

export async function uploadDocument(
	db: Database,
	cipher: DocumentCipher,
	actor: Actor,
	patientId: string,
	upload: DocumentUpload,
	maxBytes: number
): Promise<DocumentMetadata> {
	// Chosen now so the audit events of this upload name the document they are about.
	const documentId = randomUUID();
	const audit = (outcome: 'denied' | 'failure', reason: string) =>
		recordAuditEvent(db, actor, { action: 'document.upload', outcome, patientId, resourceType: 'document', resourceId: documentId, reason });

	try {
		requirePermission(actor, 'documents.upload');
	} catch (error) {
		if (error instanceof AccessDenied) await audit('denied', 'role may not upload documents');
		throw error;
	}
	await authorizePatient(db, actor, patientId, { action: 'document.upload', require: ['documents'], resourceType: 'document', resourceId: documentId });

	let checked: { title: string; kind: DocumentKind; contentType: AcceptedDocumentType; bytes: Uint8Array };
	try {
		checked = await checkUpload(upload, maxBytes);
	} catch (error) {
		if (error instanceof InvalidDocument) await audit('failure', `rejected ${error.field}`);
		throw error;
	}

	const sha256 = createHash('sha256').update(checked.bytes).digest('hex');
	const sealed = cipher.seal(checked.bytes);
	const [row] = await db.transaction(async (tx) => {
		const inserted = await tx
			.insert(documents)
			.values({
				id: documentId,
				patientId,
				title: checked.title,
				kind: checked.kind,
				contentType: checked.contentType,
				byteSize: checked.bytes.byteLength,
				sha256,
				uploadedBy: actor.userId
			})
			.returning();
		await tx.insert(documentContents).values({ documentId, keyId: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext });
		return inserted;
	});
	if (!row) throw new Error('The document row was not returned by the insert.');
	return toMetadata(row);
}

async function checkUpload(upload: DocumentUpload, maxBytes: number) {
	const file = upload.file;
	if (!(file instanceof File) || (file.size === 0 && file.name === '')) throw new InvalidDocument('file', 'Choose a file to upload.');
	if (file.size === 0) throw new InvalidDocument('file', 'That file is empty. Choose another file.');
	if (file.size > maxBytes) {
		throw new InvalidDocument('file', `That file is ${formatMegabytes(file.size)}; the largest file you can upload is ${formatMegabytes(maxBytes)}.`, 413);
	}
	const kind = upload.kind === '' ? 'other' : upload.kind;
	if (!(documentKinds as readonly string[]).includes(kind)) throw new InvalidDocument('kind', 'Choose what kind of document this is.');
	// No title given: the file's own name (without its extension) is the best guess.
	const title = (upload.title.trim() || file.name.replace(/\.[^.]*$/, '').trim()).replace(/\s+/g, ' ');
	if (title === '') throw new InvalidDocument('title', 'Enter a title for the document.');
	if (title.length > maxTitleLength) throw new InvalidDocument('title', `Use at most ${maxTitleLength} characters for the title.`);

	const bytes = new Uint8Array(await file.arrayBuffer());
	const contentType = sniffDocumentType(bytes);
	if (!contentType) {
		// Checked on content, not name or declared type: a renamed program or text file stops here.
		throw new InvalidDocument('file', 'That file is not a PDF or a PNG, JPEG or WebP image. Only those can be uploaded.');
	}
	return { title, kind: kind as DocumentKind, contentType, bytes };
}

export async function readDocument(
	db: Database,
	cipher: DocumentCipher,
	actor: Actor,
	patientId: string,
	documentId: string
): Promise<{ metadata: DocumentMetadata; bytes: Uint8Array }> {
	await authorizePatient(db, actor, patientId, { action: 'document.view', require: ['documents'], resourceType: 'document', resourceId: documentId });
	const [found] = await db
		.select({ document: documents, content: documentContents })
		.from(documents)
		.innerJoin(documentContents, eq(documentContents.documentId, documents.id))
		// The patient is part of the key: a document id of another patient is not found here.
		.where(and(eq(documents.id, documentId), eq(documents.patientId, patientId)));
	const fail = (reason: string) =>
		recordAuditEvent(db, actor, { action: 'document.view', outcome: 'failure', patientId, resourceType: 'document', resourceId: documentId, reason });
	if (!found) {
		await fail('no such document for this patient');
		throw new NotFound('No document with that id for this patient.');
	}
	// The patient and their proxies see only what the clinic shared with them; an unshared report
	// is answered like a missing one, so its existence is not given away.
	if (isPortalUser(actor) && !(await isSharedWithPatient(db, documentId))) {
		await recordAuditEvent(db, actor, { action: 'document.view', outcome: 'denied', patientId, resourceType: 'document', resourceId: documentId, reason: 'not shared with the patient' });
		throw new NotFound('No document with that id for this patient.');
	}
	let bytes: Uint8Array;
	try {
		bytes = cipher.open({ keyId: found.content.keyId, nonce: found.content.nonce, ciphertext: found.content.ciphertext });
	} catch {
		await fail('ciphertext did not open');
		throw new DocumentUnreadable();
	}
	// GCM already authenticates; the checksum also catches a document sealed under the wrong row.
	if (createHash('sha256').update(bytes).digest('hex') !== found.document.sha256) {
		await fail('checksum mismatch');
		throw new DocumentUnreadable();
	}
	return { metadata: toMetadata(found.document), bytes };
}

/** Has the clinic shared this document with the patient (document_patient_shares)? */
export async function isSharedWithPatient(db: Database, documentId: string): Promise<boolean> {
	const [row] = await db.select({ documentId: documentPatientShares.documentId }).from(documentPatientShares).where(eq(documentPatientShares.documentId, documentId));
	return row !== undefined;
}

/**
 * The document list of a chart; takes the PatientAccess the seam returned for that patient.
 * `sharedWithPatientOnly` for the portal: the patient and proxies see only shared documents.
 */
export async function listPatientDocuments(db: Database, access: PatientAccess, options: { sharedWithPatientOnly?: boolean } = {}): Promise<DocumentSummary[]> {
	if (!access.parts.has('documents')) throw new AccessDenied('You do not have access to this patient’s documents.');
	const onlyShared = options.sharedWithPatientOnly ? isNotNull(documentPatientShares.documentId) : undefined;
	const rows = await db
		.select({
			id: documents.id,
			title: documents.title,
			kind: documents.kind,
			contentType: documents.contentType,
			byteSize: documents.byteSize,
			createdAt: documents.createdAt,
			uploadedByName: users.displayName,
			sharedAt: documentPatientShares.sharedAt
		})
		.from(documents)
		.leftJoin(users, eq(users.id, documents.uploadedBy))
		.leftJoin(documentPatientShares, eq(documentPatientShares.documentId, documents.id))
		.where(and(eq(documents.patientId, access.patientId), onlyShared))
		.orderBy(desc(documents.createdAt));
	return rows.map(({ createdAt, sharedAt, ...d }) => ({ ...d, uploadedAt: createdAt.toISOString(), sharedWithPatient: sharedAt !== null }));
}

/**
 * Headers for serving a document's bytes: never cached by shared caches or the browser, never
 * sniffed into another type, shown inline under a file name that cannot break the header.
 */
export function documentResponseHeaders(metadata: Pick<DocumentMetadata, 'title' | 'contentType' | 'byteSize'>): Record<string, string> {
	return {
		'content-type': metadata.contentType,
		'content-length': String(metadata.byteSize),
		'content-disposition': `inline; filename="${downloadFileName(metadata.title, metadata.contentType)}"`,
		'cache-control': 'private, no-store',
		'x-content-type-options': 'nosniff'
	};
}

/** ASCII letters, digits, space, dot, dash and underscore only; the extension follows the stored type. */
export function downloadFileName(title: string, contentType: string): string {
	const extension = acceptedDocumentTypes[contentType as AcceptedDocumentType]?.extension ?? 'bin';
	const base = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[^A-Za-z0-9 ._-]+/g, '_')
		.replace(/\.+/g, '.')
		.replace(/^[\s._]+|[\s._]+$/g, '')
		.slice(0, 80);
	return `${base || 'document'}.${extension}`;
}

function toMetadata(row: typeof documents.$inferSelect): DocumentMetadata {
	return {
		id: row.id,
		patientId: row.patientId,
		title: row.title,
		kind: row.kind,
		contentType: row.contentType,
		byteSize: row.byteSize,
		sha256: row.sha256,
		uploadedAt: row.createdAt.toISOString()
	};
}

function formatMegabytes(bytes: number): string {
	const mb = bytes / (1024 * 1024);
	return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}
