import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, careTeamMembers, careTeams, documentContents, documents, patients, practitioners, users, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { createDocumentCipher } from './cipher';
import { authorizePatient } from '../access/patient-access';
import { shareDocumentWithPatient } from '../consults/shared-documents';
import { DocumentUnreadable, InvalidDocument, documentResponseHeaders, downloadFileName, listPatientDocuments, readDocument, sniffDocumentType, uploadDocument } from './documents';

function actorFor(role: Role, extra: Partial<Actor> = {}): Actor {
	return {
		userId: randomUUID(),
		role,
		displayName: `Test ${role}`,
		practitionerId: null,
		patientId: null,
		sessionId: randomUUID(),
		sourceAddress: '127.0.0.1',
		requestId: randomUUID(),
		...extra
	};
}

/** A small but complete PDF: one page that says a lab result. */
function samplePdf(): Uint8Array<ArrayBuffer> {
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
		null,
		'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
	];
	const stream = 'BT /F1 12 Tf 10 50 Td (Hemoglobin A1c 7.4 percent, confidential) Tj ET';
	objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
	let body = '%PDF-1.4\n';
	const offsets: number[] = [];
	objects.forEach((object, i) => {
		offsets.push(body.length);
		body += `${i + 1} 0 obj\n${object}\nendobj\n`;
	});
	const xref = body.length;
	body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
	body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return new TextEncoder().encode(body);
}

/** A 1×1 PNG. */
const samplePng = Uint8Array.from(
	Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
);

const maxBytes = 64 * 1024;

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
	return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

describe('sniffDocumentType', () => {
	it('reads the type from the first bytes, whatever the name says', () => {
		expect(sniffDocumentType(samplePdf())).toBe('application/pdf');
		expect(sniffDocumentType(samplePng)).toBe('image/png');
		expect(sniffDocumentType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
		expect(sniffDocumentType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
		expect(sniffDocumentType(new TextEncoder().encode('MZ\x90\0 this program cannot be run in DOS mode'))).toBeNull();
		expect(sniffDocumentType(new Uint8Array())).toBeNull();
	});
});

describe('downloadFileName', () => {
	it('keeps a header-safe name with the extension of the stored type', () => {
		expect(downloadFileName('Lab report März 2025', 'application/pdf')).toBe('Lab report Marz 2025.pdf');
		expect(downloadFileName('x"; filename="evil.html', 'image/png')).toBe('x_ filename_evil.html.png');
		expect(downloadFileName('../../etc/passwd', 'image/jpeg')).toBe('etc_passwd.jpg');
		expect(downloadFileName('日本語', 'image/webp')).toBe('document.webp');
		expect(documentResponseHeaders({ title: 'a\r\nb', contentType: 'application/pdf', byteSize: 3 })['content-disposition']).toBe('inline; filename="a_b.pdf"');
	});
});

describe.each(testDatabaseKinds)('documents on %s', (kind) => {
	let database: TestDatabase;
	const cipher = createDocumentCipher(randomBytes(32));
	let patientId = '';
	let otherPatientId = '';
	let physician: Actor;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const { db } = database;
		const [patient, otherPatient] = await db
			.insert(patients)
			.values([
				{ mrn: '200001', givenName: 'Rosa', familyName: 'Diaz', birthDate: '1975-11-09', sex: 'female' },
				{ mrn: '200002', givenName: 'Sam', familyName: 'Lee', birthDate: '1990-01-01', sex: 'male' }
			])
			.returning();
		patientId = patient!.id;
		otherPatientId = otherPatient!.id;
		const [practitioner] = await db.insert(practitioners).values({ kind: 'physician', givenName: 'Ana', familyName: 'Ruiz' }).returning();
		const [team] = await db.insert(careTeams).values({ patientId, name: 'Primary care' }).returning();
		await db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: practitioner!.id });
		// documents.uploaded_by references users: the uploader is a real account.
		const [account] = await db
			.insert(users)
			.values({ email: 'ana.ruiz@example.org', displayName: 'Ana Ruiz', passwordHash: 'not-a-real-hash', role: 'physician', practitionerId: practitioner!.id })
			.returning();
		physician = actorFor('physician', { userId: account!.id, practitionerId: practitioner!.id });
	}, 120_000);

	afterAll(async () => {
		await database?.drop();
	});

	async function documentCount() {
		return (await database.db.select({ id: documents.id }).from(documents)).length;
	}

	it('stores a PDF encrypted and reads back the same bytes', async () => {
		const pdf = samplePdf();
		const file = new File([pdf], 'a1c.pdf', { type: 'application/pdf' });
		const stored = await uploadDocument(database.db, cipher, physician, patientId, { title: 'HbA1c March', kind: 'lab_report', file }, maxBytes);
		expect(stored).toMatchObject({ patientId, title: 'HbA1c March', kind: 'lab_report', contentType: 'application/pdf', byteSize: pdf.byteLength });

		const [content] = await database.db.select().from(documentContents).where(eq(documentContents.documentId, stored.id));
		expect(content?.keyId).toBe(cipher.keyId);
		expect(containsBytes(content!.ciphertext, pdf)).toBe(false);
		expect(containsBytes(content!.ciphertext, new TextEncoder().encode('Hemoglobin A1c'))).toBe(false);

		const read = await readDocument(database.db, cipher, physician, patientId, stored.id);
		expect(Buffer.from(read.bytes).equals(Buffer.from(pdf))).toBe(true);
		expect(read.metadata.sha256).toBe(stored.sha256);

		const events = await database.db
			.select({ action: auditEvents.action, outcome: auditEvents.outcome })
			.from(auditEvents)
			.where(and(eq(auditEvents.resourceId, stored.id), eq(auditEvents.actorUserId, physician.userId)));
		expect(events).toEqual(
			expect.arrayContaining([
				{ action: 'document.upload', outcome: 'success' },
				{ action: 'document.view', outcome: 'success' }
			])
		);
	});

	it('stores a PNG under its real type even when the browser declared none', async () => {
		const file = new File([samplePng], 'photo', { type: '' });
		const stored = await uploadDocument(database.db, cipher, physician, patientId, { title: '', kind: 'photo', file }, maxBytes);
		expect(stored.contentType).toBe('image/png');
		expect(stored.title).toBe('photo');
		const read = await readDocument(database.db, cipher, physician, patientId, stored.id);
		expect(Buffer.from(read.bytes).equals(Buffer.from(samplePng))).toBe(true);
	});

	it('rejects a program or a text file renamed to .pdf, and stores nothing', async () => {
		const before = await documentCount();
		const exe = new File([new TextEncoder().encode('MZ\x90\0\x03\0\0\0 program')], 'results.pdf', { type: 'application/pdf' });
		const text = new File(['just some text, not a PDF'], 'notes.pdf', { type: 'application/pdf' });
		for (const file of [exe, text]) {
			const attempt = uploadDocument(database.db, cipher, physician, patientId, { title: 'Results', kind: 'lab_report', file }, maxBytes);
			await expect(attempt).rejects.toBeInstanceOf(InvalidDocument);
			await expect(attempt).rejects.toMatchObject({ field: 'file', status: 400 });
		}
		expect(await documentCount()).toBe(before);
	});

	it('rejects an empty or oversize file with a plain message', async () => {
		const empty = new File([], 'empty.pdf', { type: 'application/pdf' });
		await expect(uploadDocument(database.db, cipher, physician, patientId, { title: 'Empty', kind: 'other', file: empty }, maxBytes)).rejects.toMatchObject({
			field: 'file',
			status: 400,
			message: 'That file is empty. Choose another file.'
		});
		const big = new Uint8Array(maxBytes + 1);
		big.set(samplePdf());
		const oversize = new File([big], 'big.pdf', { type: 'application/pdf' });
		const attempt = uploadDocument(database.db, cipher, physician, patientId, { title: 'Big', kind: 'other', file: oversize }, maxBytes);
		await expect(attempt).rejects.toBeInstanceOf(InvalidDocument);
		await expect(attempt).rejects.toMatchObject({ field: 'file', status: 413 });
		await expect(attempt).rejects.toThrow(/largest file you can upload/);
	});

	it('rejects an unknown kind', async () => {
		const file = new File([samplePdf()], 'a.pdf', { type: 'application/pdf' });
		await expect(uploadDocument(database.db, cipher, physician, patientId, { title: 'A', kind: 'x-ray<script>', file }, maxBytes)).rejects.toMatchObject({ field: 'kind' });
	});

	it('denies people without access to the patient’s documents, stores nothing and audits the refusal', async () => {
		const before = await documentCount();
		const file = () => new File([samplePdf()], 'a.pdf', { type: 'application/pdf' });
		const outsider = actorFor('physician', { practitionerId: null });
		const frontDesk = actorFor('front_desk');
		const patient = actorFor('patient', { patientId });
		for (const actor of [outsider, frontDesk, patient]) {
			await expect(uploadDocument(database.db, cipher, actor, patientId, { title: 'A', kind: 'other', file: file() }, maxBytes)).rejects.toBeInstanceOf(AccessDenied);
			const [event] = await database.db
				.select({ outcome: auditEvents.outcome })
				.from(auditEvents)
				.where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.action, 'document.upload')));
			expect(event?.outcome).toBe('denied');
		}
		expect(await documentCount()).toBe(before);
	});

	it('lets a patient read their own document once it is shared with them, not before, and not another patient’s', async () => {
		const stored = await uploadDocument(
			database.db,
			cipher,
			physician,
			patientId,
			{ title: 'Referral', kind: 'referral', file: new File([samplePdf()], 'r.pdf', { type: 'application/pdf' }) },
			maxBytes
		);
		const patient = actorFor('patient', { patientId });
		const portalList = async () => (await listPatientDocuments(database.db, await authorizePatient(database.db, patient, patientId, { action: 'patient.view', require: ['documents'] }), { sharedWithPatientOnly: true })).map((d) => d.id);
		// Not shared yet: not in the portal's list, and answered like a missing document (audited).
		expect(await portalList()).not.toContain(stored.id);
		await expect(readDocument(database.db, cipher, patient, patientId, stored.id)).rejects.toBeInstanceOf(NotFound);
		const [refusal] = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.resourceId, stored.id), eq(auditEvents.actorUserId, patient.userId), eq(auditEvents.outcome, 'denied')));
		expect(refusal?.reason).toBe('not shared with the patient');

		await shareDocumentWithPatient(database.db, physician, patientId, stored.id);
		expect(await portalList()).toContain(stored.id);
		const staffList = await listPatientDocuments(database.db, await authorizePatient(database.db, physician, patientId, { action: 'patient.view', require: ['documents'] }));
		expect(staffList.find((d) => d.id === stored.id)?.sharedWithPatient).toBe(true);
		const read = await readDocument(database.db, cipher, patient, patientId, stored.id);
		expect(read.metadata.title).toBe('Referral');

		await expect(readDocument(database.db, cipher, patient, otherPatientId, stored.id)).rejects.toBeInstanceOf(AccessDenied);
		await expect(readDocument(database.db, cipher, actorFor('billing'), patientId, stored.id)).rejects.toBeInstanceOf(AccessDenied);
		await expect(readDocument(database.db, cipher, actorFor('clinic_admin'), otherPatientId, stored.id)).rejects.toBeInstanceOf(NotFound);
		await expect(readDocument(database.db, cipher, physician, patientId, randomUUID())).rejects.toBeInstanceOf(NotFound);
	});

	it('refuses to serve a document whose stored ciphertext was changed', async () => {
		const stored = await uploadDocument(
			database.db,
			cipher,
			physician,
			patientId,
			{ title: 'Scan', kind: 'imaging', file: new File([samplePng], 'scan.png', { type: 'image/png' }) },
			maxBytes
		);
		const [content] = await database.db.select().from(documentContents).where(eq(documentContents.documentId, stored.id));
		const tampered = Uint8Array.from(content!.ciphertext);
		tampered[0] = tampered[0]! ^ 0xff;
		await database.db.update(documentContents).set({ ciphertext: tampered }).where(eq(documentContents.documentId, stored.id));

		await expect(readDocument(database.db, cipher, physician, patientId, stored.id)).rejects.toBeInstanceOf(DocumentUnreadable);
		const otherKey = createDocumentCipher(randomBytes(32));
		await expect(readDocument(database.db, otherKey, physician, patientId, stored.id)).rejects.toBeInstanceOf(DocumentUnreadable);
	});
});
