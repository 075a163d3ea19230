/**
 * The visit record as a PDF (pdf-lib): patient and visit heading, the consult note, addenda,
 * the timeline and the recordings made. Text only, wrapped to the page; the standard Helvetica
 * fonts need no font files. They cover Western European characters (WinAnsi); anything else is
 * shown as "?" rather than failing the export — a known limit, written here where it lives.
 */
import { DateTime } from 'luxon';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { VisitDetail } from './visit-history';

const pageSize: [number, number] = [595.28, 841.89]; // A4
const margin = 56;
const bodySize = 10.5;
const lineGap = 1.45;

export async function renderVisitPdf(visit: VisitDetail, meta: { exportedBy: string; exportedAt: Date }): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	pdf.setTitle('Visit record');
	pdf.setCreator('ClinicSync');
	pdf.setProducer('ClinicSync');
	pdf.setCreationDate(meta.exportedAt);

	const writer = new PageWriter(pdf, regular, bold);
	const when = (iso: string) => DateTime.fromISO(iso, { zone: visit.timeZone }).setLocale('en-GB').toFormat('d MMM yyyy, HH:mm');
	const { patient, visit: v } = visit;

	writer.text('Visit record', { font: bold, size: 18 });
	writer.space(4);
	writer.text(`${patient.givenName} ${patient.familyName} · born ${patient.birthDate} · MRN ${patient.mrn}`, { font: bold });
	writer.text(`${kindWords(v.kind)} · ${when(v.startAt)} (${visit.timeZone}) · ${v.status.replace('_', ' ')}`);
	if (v.practitionerName) writer.text(`Clinician: ${v.practitionerName}`);
	if (v.reason) writer.text(`Reason: ${v.reason}`);
	if (v.consult) writer.text(`Video consult: ${v.consult.status.replace('_', ' ')}${v.consult.endedAt ? `, ended ${when(v.consult.endedAt)}` : ''}`);

	writer.heading('Consult note');
	if (visit.note.length === 0) writer.text('No note was written for this visit.', { color: grey });
	for (const line of visit.note) {
		if (line.text.trim() === '') writer.space(bodySize * 0.6);
		else writer.text(line.text, { font: line.style === 'heading' ? bold : regular, indent: line.depth * 14 });
	}

	writer.heading('Addenda');
	if (visit.addenda.length === 0) writer.text('No addenda.', { color: grey });
	for (const addendum of visit.addenda) {
		writer.text(`${when(addendum.createdAt)} — ${addendum.authorName}`, { font: bold });
		for (const paragraph of addendum.text.split('\n')) writer.text(paragraph, { indent: 14 });
		writer.space(4);
	}

	if (visit.timeline.length > 0) {
		writer.heading('Timeline');
		for (const entry of visit.timeline) writer.text(`${when(entry.at)}  ${entry.label}${entry.who ? ` — ${entry.who}` : ''}${entry.source === 'livekit' ? ' (media server)' : ''}`);
	}

	if (visit.recordings.length > 0) {
		writer.heading('Recordings');
		for (const recording of visit.recordings) {
			const length = recording.stoppedAt ? ` to ${DateTime.fromISO(recording.stoppedAt, { zone: visit.timeZone }).toFormat('HH:mm')}` : ' (running)';
			writer.text(`${when(recording.startedAt)}${length} · ${recording.startedByName ?? 'unknown'} · stored encrypted in the record`);
		}
	}

	writer.footers(`Exported by ${meta.exportedBy} on ${DateTime.fromJSDate(meta.exportedAt, { zone: visit.timeZone }).setLocale('en-GB').toFormat('d MMM yyyy, HH:mm')}. Confidential health information.`);
	return pdf.save();
}

const grey = rgb(0.35, 0.35, 0.35);

function kindWords(kind: string): string {
	const words: Record<string, string> = {
		telehealth: 'Video visit',
		office_visit: 'Office visit',
		annual_exam: 'Annual exam',
		urgent_care: 'Urgent care',
		follow_up: 'Follow-up',
		procedure: 'Procedure'
	};
	return words[kind] ?? kind;
}

/** Writes lines top to bottom, wrapping words and starting pages as needed. */
class PageWriter {
	private page: PDFPage;
	private y: number;
	private readonly pages: PDFPage[] = [];
	private readonly supported: Set<number>;

	constructor(
		private readonly pdf: PDFDocument,
		private readonly regular: PDFFont,
		private readonly bold: PDFFont
	) {
		this.supported = new Set(regular.getCharacterSet());
		this.page = this.newPage();
		this.y = pageSize[1] - margin;
	}

	private newPage(): PDFPage {
		const page = this.pdf.addPage(pageSize);
		this.pages.push(page);
		this.y = pageSize[1] - margin;
		return page;
	}

	space(points: number): void {
		this.y -= points;
	}

	heading(title: string): void {
		this.space(12);
		this.text(title, { font: this.bold, size: 13 });
		this.space(2);
	}

	text(raw: string, options: { font?: PDFFont; size?: number; indent?: number; color?: ReturnType<typeof rgb> } = {}): void {
		const font = options.font ?? this.regular;
		const size = options.size ?? bodySize;
		const indent = Math.min(options.indent ?? 0, 120);
		const width = pageSize[0] - 2 * margin - indent;
		for (const line of this.wrap(this.encodable(raw), font, size, width)) {
			if (this.y - size < margin + 20) this.page = this.newPage();
			this.y -= size * lineGap;
			this.page.drawText(line, { x: margin + indent, y: this.y, size, font, color: options.color ?? rgb(0, 0, 0) });
		}
	}

	footers(text: string): void {
		const line = this.encodable(text);
		this.pages.forEach((page, index) => {
			page.drawText(line, { x: margin, y: margin - 24, size: 8, font: this.regular, color: grey });
			const label = `Page ${index + 1} of ${this.pages.length}`;
			page.drawText(label, { x: pageSize[0] - margin - this.regular.widthOfTextAtSize(label, 8), y: margin - 24, size: 8, font: this.regular, color: grey });
		});
	}

	/** Characters the standard font cannot draw become "?"; tabs and other controls become spaces. */
	private encodable(text: string): string {
		let out = '';
		for (const char of text) {
			const code = char.codePointAt(0)!;
			if (code < 0x20 || code === 0x7f) out += ' ';
			else out += this.supported.has(code) ? char : '?';
		}
		return out;
	}

	private wrap(text: string, font: PDFFont, size: number, width: number): string[] {
		if (text === '') return [''];
		const lines: string[] = [];
		let current = '';
		for (const word of text.split(/(\s+)/)) {
			const candidate = current + word;
			if (font.widthOfTextAtSize(candidate, size) <= width) {
				current = candidate;
				continue;
			}
			if (current.trim() !== '') lines.push(current.trimEnd());
			current = word.trimStart();
			// A single word wider than the line (a long URL) is cut where it overflows.
			while (font.widthOfTextAtSize(current, size) > width) {
				let cut = current.length - 1;
				while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
				lines.push(current.slice(0, cut));
				current = current.slice(cut);
			}
		}
		if (current.trim() !== '' || lines.length === 0) lines.push(current.trimEnd());
		return lines;
	}
}
