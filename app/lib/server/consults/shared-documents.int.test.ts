import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, consultEvents, consultParticipants, consults, consultSharedDocuments, documentPatientShares, documents, encounters } from '../../../../db/schema/index';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { AccessDenied, NotFound } from '../access/errors';
import { ConsultRefusal } from './errors';
import { listConsultDocuments, openReport, shareDocumentIntoConsult, shareDocumentWithPatient } from './shared-documents';

describe.each(testDatabaseKinds)('reports shared in a consult (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let consultId = '';
	let report = '';
	let otherPatientsReport = '';

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const { db } = database;
		clinic = await createTestClinic(db);
		const { patientId, otherPatientId, actors } = clinic;
		const [encounter] = await db.insert(encounters).values({ patientId, kind: 'telehealth', status: 'in_progress', startAt: new Date() }).returning();
		const [consult] = await db.insert(consults).values({ patientId, encounterId: encounter!.id, hostUserId: actors.teamPhysician.userId, status: 'in_progress', roomName: randomUUID() }).returning();
		consultId = consult!.id;
		await db.insert(consultParticipants).values([
			{ consultId, userId: actors.teamPhysician.userId, role: 'host', status: 'admitted' },
			{ consultId, userId: actors.patient.userId, role: 'patient', status: 'admitted' },
			{ consultId, userId: actors.outsideNurse.userId, role: 'clinician', status: 'waiting' }
		]);
		const document = (patient: string, title: string) => ({ patientId: patient, title, kind: 'lab_report' as const, contentType: 'application/pdf', byteSize: 10, sha256: '0'.repeat(64) });
		[{ id: report }, { id: otherPatientsReport }] = await db.insert(documents).values([document(patientId, 'Lab report'), document(otherPatientId, 'Other lab')]).returning({ id: documents.id }) as [{ id: string }, { id: string }];
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('lets the admitted clinician share a report of the consult’s patient: shared with her too, on the timeline, audited', async () => {
		const { actors } = clinic;
		// Before: the patient cannot open it.
		await expect(openReport(database.db, actors.patient, clinic.patientId, report)).rejects.toBeInstanceOf(NotFound);
		expect(await shareDocumentIntoConsult(database.db, actors.teamPhysician, consultId, report)).toEqual({ documentId: report, title: 'Lab report', contentType: 'application/pdf' });
		// Sharing again changes nothing but the audit trail.
		await shareDocumentIntoConsult(database.db, actors.teamPhysician, consultId, report);
		expect(await database.db.select().from(consultSharedDocuments).where(eq(consultSharedDocuments.consultId, consultId))).toHaveLength(1);
		expect(await database.db.select().from(documentPatientShares).where(eq(documentPatientShares.documentId, report))).toHaveLength(1);
		const timeline = await database.db.select().from(consultEvents).where(and(eq(consultEvents.consultId, consultId), eq(consultEvents.kind, 'document_shared')));
		expect(timeline[0]?.detail).toEqual({ documentId: report });
		const audited = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.document_share'), eq(auditEvents.outcome, 'success')));
		expect(audited.length).toBeGreaterThanOrEqual(2);

		expect((await listConsultDocuments(database.db, actors.patient, consultId)).map((d) => d.title)).toEqual(['Lab report']);
		expect(await listConsultDocuments(database.db, actors.teamPhysician, consultId)).toMatchObject([{ documentId: report, sharedByName: 'Dr. Ana Ruiz' }]);
		expect(await openReport(database.db, actors.patient, clinic.patientId, report)).toMatchObject({ documentId: report, sharedWithPatient: true, canAnnotate: true });
	});

	it('refuses the patient, the front desk, a clinician outside the care team, another patient’s report and bad ids, and changes nothing', async () => {
		const { actors } = clinic;
		await expect(shareDocumentIntoConsult(database.db, actors.patient, consultId, report)).rejects.toBeInstanceOf(AccessDenied);
		await expect(shareDocumentIntoConsult(database.db, actors.frontDesk, consultId, report)).rejects.toBeInstanceOf(AccessDenied);
		await expect(shareDocumentIntoConsult(database.db, actors.teamPhysician, consultId, otherPatientsReport)).rejects.toBeInstanceOf(NotFound);
		await expect(shareDocumentIntoConsult(database.db, actors.teamPhysician, 'not-an-id', report)).rejects.toBeInstanceOf(ConsultRefusal);
		await expect(shareDocumentIntoConsult(database.db, actors.teamPhysician, randomUUID(), report)).rejects.toBeInstanceOf(NotFound);
		// The outside nurse has no relationship with the patient: refused by the access module first.
		await expect(shareDocumentIntoConsult(database.db, actors.outsideNurse, consultId, report)).rejects.toBeInstanceOf(AccessDenied);
		await expect(shareDocumentWithPatient(database.db, actors.teamPhysician, clinic.patientId, otherPatientsReport)).rejects.toBeInstanceOf(NotFound);
		expect(await database.db.select().from(documentPatientShares).where(eq(documentPatientShares.documentId, otherPatientsReport))).toHaveLength(0);
		// A proxy without the records scope, and the other patient's report through this patient.
		await expect(listConsultDocuments(database.db, actors.appointmentsProxy, consultId)).rejects.toBeInstanceOf(AccessDenied);
		await expect(openReport(database.db, actors.patient, clinic.patientId, otherPatientsReport)).rejects.toBeInstanceOf(NotFound);
	});

	it('refuses sharing into an ended consult', async () => {
		await database.db.update(consults).set({ status: 'ended', endedAt: new Date() }).where(eq(consults.id, consultId));
		await expect(shareDocumentIntoConsult(database.db, clinic.actors.teamPhysician, consultId, report)).rejects.toMatchObject({ code: 'ended' });
	});
});
