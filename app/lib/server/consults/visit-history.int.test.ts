import { createRequire } from 'node:module';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, docSnapshots, docUpdates, encounters } from '../../../../db/schema/index';
import { AccessDenied, NotFound } from '../access/errors';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { ConsultRefusal } from './errors';
import { noteLines, noteLinesToText } from './note-text';
import { setRecordingConsent, startRecording, stopRecording } from './recording';
import { addAddendum, exportVisitPdf, getVisit, listVisits, parseVisitFilter } from './visit-history';
import { createConsultFixture } from './visit-testing';

/** The note as the editor writes it: a heading, a paragraph with a bold word, a bullet list. */
function writeNote(doc: Y.Doc, paragraph: string): void {
	const fragment = doc.getXmlFragment('default');
	const heading = new Y.XmlElement('heading');
	heading.setAttribute('level', '2');
	heading.insert(0, [new Y.XmlText('Assessment')]);
	const p = new Y.XmlElement('paragraph');
	const text = new Y.XmlText();
	p.insert(0, [text]);
	const list = new Y.XmlElement('bulletList');
	const item = new Y.XmlElement('listItem');
	const itemParagraph = new Y.XmlElement('paragraph');
	itemParagraph.insert(0, [new Y.XmlText('Ibuprofen 400 mg as needed')]);
	item.insert(0, [itemParagraph]);
	list.insert(0, [item]);
	fragment.insert(0, [heading, p, list]);
	text.insert(0, paragraph);
	text.format(0, 4, { bold: {} });
}

/** Text of every page, as a PDF reader extracts it. */
async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
	const standardFontDataUrl = path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
	const document = await pdfjs.getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, isEvalSupported: false }).promise;
	const texts: string[] = [];
	for (let n = 1; n <= document.numPages; n++) {
		const content = await (await document.getPage(n)).getTextContent();
		texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
	}
	await document.destroy();
	return texts.join('\n');
}

async function refusal(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	if (error instanceof ConsultRefusal) return error.code;
	if (error instanceof AccessDenied) return 'access_denied';
	if (error instanceof NotFound) return 'not_found';
	throw new Error(`expected a refusal, got ${String(error)}`);
}

describe('note text', () => {
	it('reads blocks as lines without formatting tags', () => {
		const doc = new Y.Doc();
		writeNote(doc, 'Mild tension headache, no red flags.');
		expect(noteLinesToText(noteLines(doc))).toBe('Assessment\nMild tension headache, no red flags.\n• Ibuprofen 400 mg as needed');
		expect(noteLines(new Y.Doc())).toEqual([]);
	});

	it('checks date ranges', () => {
		expect(parseVisitFilter({ from: '2026-01-01', to: '2026-01-31' })).toEqual({ from: '2026-01-01', to: '2026-01-31' });
		expect(parseVisitFilter({ from: '', to: null })).toEqual({ from: null, to: null });
		for (const bad of [{ from: '2026-02-30' }, { to: 'yesterday' }, { from: '2026-03-02', to: '2026-03-01' }]) expect(() => parseVisitFilter(bad)).toThrow(ConsultRefusal);
	});
});

describe.each(testDatabaseKinds)('visit history on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let consultVisit: { consultId: string; encounterId: string };
	let officeVisitId: string;
	const noteSentence = 'Mild tension headache, no red flags; review in two weeks.';

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
		const { db } = database;
		const { teamPhysician, patient } = clinic.actors;
		consultVisit = await createConsultFixture(db, {
			patientId: clinic.patientId,
			host: teamPhysician,
			people: [{ actor: patient, role: 'patient' }],
			startAt: new Date('2026-03-10T15:00:00Z'),
			reason: 'Headache follow-up'
		});
		const [office] = await db
			.insert(encounters)
			.values({ patientId: clinic.patientId, practitionerId: teamPhysician.practitionerId, kind: 'office_visit', status: 'finished', startAt: new Date('2026-01-05T14:00:00Z'), reason: 'Annual check' })
			.returning();
		officeVisitId = office!.id;
		await db.insert(encounters).values({ patientId: clinic.otherPatientId, kind: 'office_visit', status: 'finished', startAt: new Date('2026-03-10T15:00:00Z'), reason: 'Other patient' });

		// The note as the collaboration server logs it: a snapshot, then one more update after it.
		const name = `note:${consultVisit.encounterId}`;
		const doc = new Y.Doc();
		writeNote(doc, noteSentence);
		const [first] = await db.insert(docUpdates).values({ documentName: name, update: Y.encodeStateAsUpdate(doc), authorUserId: teamPhysician.userId, origin: 'client', parts: ['note'] }).returning();
		await db.insert(docSnapshots).values({ documentName: name, state: Y.encodeStateAsUpdate(doc), uptoSeq: first!.seq, byteSize: 1 });
		const before = Y.encodeStateVector(doc);
		const closing = new Y.XmlElement('paragraph');
		closing.insert(0, [new Y.XmlText('Plan agreed with the patient.')]);
		doc.getXmlFragment('default').push([closing]);
		await db.insert(docUpdates).values({ documentName: name, update: Y.encodeStateAsUpdate(doc, before), authorUserId: teamPhysician.userId, origin: 'client', parts: ['note'] });

		for (const actor of [teamPhysician, patient]) await setRecordingConsent(db, actor, consultVisit.consultId, true);
		await startRecording(db, teamPhysician, consultVisit.consultId, { config: { livekit: undefined } });
		await stopRecording(db, teamPhysician, consultVisit.consultId, { config: { livekit: undefined } });
	});
	afterAll(async () => database?.drop());

	it('lists the patient’s visits newest first, filtered by clinic days', async () => {
		const { db } = database;
		const { teamPhysician } = clinic.actors;
		const all = await listVisits(db, teamPhysician, clinic.patientId);
		expect(all.visits.map((v) => v.encounterId)).toEqual([consultVisit.encounterId, officeVisitId]);
		expect(all.visits[0]).toMatchObject({ kind: 'telehealth', practitionerName: 'Ana Ruiz, MD', recordingCount: 1, consult: { id: consultVisit.consultId, transport: 'p2p' } });
		expect(all.visits[1]!.consult).toBeNull();
		expect(all.visits[0]!.noteExcerpt).toBe(`Assessment ${noteSentence} • Ibuprofen 400 mg as needed Plan agreed with the patient.`);
		expect(all.visits[1]!.noteExcerpt).toBeNull();
		// 10:00 in New York on 10 March: in the range ending that day, not in the one starting the day after.
		expect((await listVisits(db, teamPhysician, clinic.patientId, { from: '2026-03-10', to: '2026-03-10' })).visits.map((v) => v.encounterId)).toEqual([consultVisit.encounterId]);
		expect((await listVisits(db, teamPhysician, clinic.patientId, { from: '2026-03-11' })).visits).toEqual([]);
		expect((await listVisits(db, teamPhysician, clinic.patientId, { to: '2026-02-01' })).visits.map((v) => v.encounterId)).toEqual([officeVisitId]);
		expect(await refusal(listVisits(db, teamPhysician, clinic.patientId, { from: '2026-03-11', to: '2026-03-01' }))).toBe('invalid');
		for (const actor of [clinic.actors.frontDesk, clinic.actors.outsidePhysician, clinic.actors.appointmentsProxy]) expect(await refusal(listVisits(db, actor, clinic.patientId))).toBe('access_denied');
	});

	it('shows one visit: the note as stored, timeline, recordings; another patient’s address finds nothing', async () => {
		const { db } = database;
		const { teamPhysician } = clinic.actors;
		const detail = await getVisit(db, teamPhysician, clinic.patientId, consultVisit.encounterId);
		expect(noteLinesToText(detail.note)).toBe(`Assessment\n${noteSentence}\n• Ibuprofen 400 mg as needed\nPlan agreed with the patient.`);
		expect(detail.note[0]!.style).toBe('heading');
		expect(detail.timeline.map((e) => e.label)).toEqual(['Agreed to recording', 'Agreed to recording', 'Recording started', 'Recording stopped (by the host)']);
		expect(detail.timeline[0]!.who).toBe('Dr. Ana Ruiz');
		expect(detail.recordings).toHaveLength(1);
		expect((await getVisit(db, teamPhysician, clinic.patientId, officeVisitId)).note).toEqual([]);
		expect(await refusal(getVisit(db, clinic.actors.admin, clinic.otherPatientId, consultVisit.encounterId))).toBe('not_found');
		expect(await refusal(getVisit(db, clinic.actors.frontDesk, clinic.patientId, consultVisit.encounterId))).toBe('access_denied');
		const views = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'visit.history_view'), eq(auditEvents.resourceId, consultVisit.encounterId)));
		expect(views.map((v) => v.outcome)).toEqual(expect.arrayContaining(['success', 'denied']));
	});

	it('addenda are attributed, in the order written, by clinicians only', async () => {
		const { db } = database;
		const { teamPhysician, frontDesk, patient, admin } = clinic.actors;
		const first = await addAddendum(db, teamPhysician, clinic.patientId, consultVisit.encounterId, '  Lab results normal.  ');
		const second = await addAddendum(db, teamPhysician, clinic.patientId, consultVisit.encounterId, 'Called the patient.\r\nNo further action.');
		expect(first).toMatchObject({ authorName: 'Dr. Ana Ruiz', text: 'Lab results normal.' });
		expect(second.text).toBe('Called the patient.\nNo further action.');
		expect(await refusal(addAddendum(db, teamPhysician, clinic.patientId, consultVisit.encounterId, '   '))).toBe('invalid');
		expect(await refusal(addAddendum(db, teamPhysician, clinic.patientId, consultVisit.encounterId, 'x'.repeat(5001)))).toBe('invalid');
		for (const actor of [frontDesk, patient, admin, clinic.actors.outsidePhysician]) expect(await refusal(addAddendum(db, actor, clinic.patientId, consultVisit.encounterId, 'Not mine to add.'))).toBe('access_denied');
		expect(await refusal(addAddendum(db, admin, clinic.otherPatientId, consultVisit.encounterId, 'x'))).toBe('access_denied');
		const detail = await getVisit(db, teamPhysician, clinic.patientId, consultVisit.encounterId);
		expect(detail.addenda.map((a) => a.id)).toEqual([first.id, second.id]);
		expect(detail.addenda[0]!.createdAt <= detail.addenda[1]!.createdAt).toBe(true);
		expect((await listVisits(db, teamPhysician, clinic.patientId)).visits[0]!.addendaCount).toBe(2);
	});

	it('exports a PDF that parses and holds the note, addenda and timeline', async () => {
		const { db } = database;
		const { teamPhysician, frontDesk } = clinic.actors;
		const { bytes, filename } = await exportVisitPdf(db, teamPhysician, clinic.patientId, consultVisit.encounterId);
		expect(filename).toMatch(/^visit-2026-03-10-[0-9a-f]{8}\.pdf$/);
		const parsed = await PDFDocument.load(bytes);
		expect(parsed.getPageCount()).toBeGreaterThanOrEqual(1);
		expect(parsed.getTitle()).toBe('Visit record');
		const text = (await pdfText(bytes)).replace(/\s+/g, ' ');
		expect(text).toContain(noteSentence);
		expect(text).toContain('Plan agreed with the patient.');
		expect(text).toContain('Maria Lopez');
		expect(text).toContain('Recording started');
		expect(await refusal(exportVisitPdf(db, frontDesk, clinic.patientId, consultVisit.encounterId))).toBe('access_denied');
		const exports = await db.select().from(auditEvents).where(eq(auditEvents.action, 'visit.export'));
		expect(exports.map((e) => e.outcome).sort()).toEqual(['denied', 'success']);
	});
});
