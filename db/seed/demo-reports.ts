import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { Database } from '../client';
import { documentContents, documents, patients, users } from '../schema/index';

/**
 * A lab report in the demo clinic, so a video consult has something to share and annotate: a
 * small two-page PDF made with pdf-lib for Maria Garcia, uploaded by Dr. Chen. Not shared with
 * the patient: sharing it (in a call or from the chart) is part of the demo. The bytes are
 * sealed by the caller's document cipher (db/ knows no domain, so it is passed in).
 */

export interface SealedReport {
	keyId: string;
	nonce: Uint8Array;
	ciphertext: Uint8Array;
}

export const demoReportTitle = 'Lab report — comprehensive metabolic panel';

const results: [test: string, value: string, unit: string, range: string, flag: string][] = [
	['Glucose, fasting', '128', 'mg/dL', '70–99', 'H'],
	['Hemoglobin A1c', '7.4', '%', '4.0–5.6', 'H'],
	['Creatinine', '0.9', 'mg/dL', '0.6–1.1', ''],
	['eGFR', '82', 'mL/min/1.73m²', '> 60', ''],
	['Sodium', '139', 'mmol/L', '135–145', ''],
	['Potassium', '4.2', 'mmol/L', '3.5–5.1', ''],
	['Total cholesterol', '212', 'mg/dL', '< 200', 'H'],
	['LDL cholesterol', '134', 'mg/dL', '< 100', 'H'],
	['HDL cholesterol', '48', 'mg/dL', '> 45', ''],
	['Triglycerides', '151', 'mg/dL', '< 150', 'H'],
	['ALT', '24', 'U/L', '7–35', ''],
	['TSH', '2.1', 'mIU/L', '0.4–4.0', '']
];

/** The report's PDF bytes: deterministic for a given day (pdf-lib stamps the dates we give it). */
export async function demoLabReportPdf(patientName: string, collected: Date): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	pdf.setTitle(demoReportTitle);
	pdf.setAuthor('Riverside Family Health laboratory');
	pdf.setProducer('ClinicSync demo');
	pdf.setCreator('ClinicSync demo');
	pdf.setCreationDate(collected);
	pdf.setModificationDate(collected);
	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const day = collected.toISOString().slice(0, 10);
	// Standard fonts cover WinAnsi only: spell out what they cannot draw.
	const plain = (text: string) => text.replace(/–/g, '-').replace(/²/g, '2').replace(/—/g, '-');

	const first = pdf.addPage([612, 792]);
	first.drawText('Riverside Family Health — Laboratory'.replace('—', '-'), { x: 56, y: 736, size: 16, font: bold });
	first.drawText(plain(demoReportTitle), { x: 56, y: 712, size: 12, font: regular });
	first.drawText(`Patient: ${patientName}`, { x: 56, y: 680, size: 11, font: regular });
	first.drawText(`Collected: ${day}    Ordered by: Dr. Emily Chen, MD`, { x: 56, y: 664, size: 11, font: regular });
	const columns = [56, 250, 330, 440, 540];
	['Test', 'Result', 'Unit', 'Reference', 'Flag'].forEach((heading, i) => first.drawText(heading, { x: columns[i]!, y: 624, size: 11, font: bold }));
	first.drawLine({ start: { x: 56, y: 616 }, end: { x: 556, y: 616 }, thickness: 1, color: rgb(0.4, 0.4, 0.4) });
	results.forEach(([test, value, unit, range, flag], row) => {
		const y = 598 - row * 22;
		const font = flag ? bold : regular;
		[test, value, unit, range, flag].forEach((cell, i) => first.drawText(plain(cell), { x: columns[i]!, y, size: 11, font, color: flag && i === 4 ? rgb(0.7, 0.1, 0.1) : rgb(0, 0, 0) }));
	});
	first.drawText('H = above the reference range.', { x: 56, y: 598 - results.length * 22 - 12, size: 10, font: regular });
	first.drawText('Page 1 of 2', { x: 500, y: 40, size: 9, font: regular });

	const second = pdf.addPage([612, 792]);
	second.drawText('Interpretation', { x: 56, y: 736, size: 14, font: bold });
	const notes = [
		'Fasting glucose and HbA1c are above target, consistent with type 2 diabetes',
		'that is not yet at goal. Kidney function is normal (eGFR above 60).',
		'LDL cholesterol is above the target for a person with diabetes.',
		'Suggested: review diet and medication with your physician; repeat HbA1c in',
		'3 months.'
	];
	notes.forEach((line, i) => second.drawText(line, { x: 56, y: 704 - i * 18, size: 11, font: regular }));
	second.drawText('Results reviewed electronically. This is a demonstration report with synthetic data.', { x: 56, y: 560, size: 9, font: regular, color: rgb(0.35, 0.35, 0.35) });
	second.drawText('Page 2 of 2', { x: 500, y: 40, size: 9, font: regular });
	return pdf.save({ useObjectStreams: false });
}

/**
 * Adds the demo lab report to Maria Garcia's record unless she already has a PDF (running it
 * twice adds nothing). Returns the document's id, or null when she is not in this database.
 */
export async function seedDemoReports(db: Database, seal: (bytes: Uint8Array) => SealedReport, options: { now?: Date } = {}): Promise<string | null> {
	const [patient] = await db
		.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName })
		.from(patients)
		.where(and(eq(patients.givenName, 'Maria'), eq(patients.familyName, 'Garcia')))
		.limit(1);
	if (!patient) return null;
	const [existing] = await db
		.select({ id: documents.id })
		.from(documents)
		.where(and(eq(documents.patientId, patient.id), eq(documents.contentType, 'application/pdf')))
		.limit(1);
	if (existing) return existing.id;
	const [uploader] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'dr.chen@riverside.example'));
	const collected = new Date(Date.UTC(...utcDay(options.now ?? new Date(), -3)));
	const bytes = await demoLabReportPdf(`${patient.givenName} ${patient.familyName}`, collected);
	const sealed = seal(bytes);
	const id = randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(documents).values({
			id,
			patientId: patient.id,
			title: demoReportTitle,
			kind: 'lab_report',
			contentType: 'application/pdf',
			byteSize: bytes.byteLength,
			sha256: createHash('sha256').update(bytes).digest('hex'),
			uploadedBy: uploader?.id ?? null,
			createdAt: collected,
			updatedAt: collected
		});
		await tx.insert(documentContents).values({ documentId: id, keyId: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext });
	});
	return id;
}

function utcDay(date: Date, offsetDays: number): [number, number, number, number] {
	const day = new Date(date.getTime() + offsetDays * 86_400_000);
	return [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 9];
}
