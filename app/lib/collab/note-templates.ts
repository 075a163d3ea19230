/**
 * Starting structures for a clinical note, as ProseMirror JSON (Tiptap `setContent` input).
 * Only nodes from note-shape.ts; empty paragraphs, list items and table cells are where the
 * clinician writes. Headings are level 2: the page's own title is the level-1 heading.
 */

/** ProseMirror JSON, typed here so this module needs no editor import (runs on the server too). */
export interface NoteJson {
	type: string;
	attrs?: Record<string, unknown>;
	content?: NoteJson[];
	marks?: { type: string; attrs?: Record<string, unknown> }[];
	text?: string;
}

export interface NoteTemplate {
	/** Stored in the note's `meta.template`. */
	id: string;
	label: string;
	description: string;
	content: NoteJson;
}

const text = (value: string): NoteJson => ({ type: 'text', text: value });
const heading = (title: string): NoteJson => ({ type: 'heading', attrs: { level: 2 }, content: [text(title)] });
const paragraph = (): NoteJson => ({ type: 'paragraph' });
const section = (title: string): NoteJson[] => [heading(title), paragraph()];
const emptyItem = (): NoteJson => ({ type: 'listItem', content: [paragraph()] });
const bulletList = (): NoteJson => ({ type: 'bulletList', content: [emptyItem()] });
const orderedList = (): NoteJson => ({ type: 'orderedList', attrs: { start: 1 }, content: [emptyItem()] });
const headerCell = (label: string): NoteJson => ({ type: 'tableHeader', content: [{ type: 'paragraph', content: [text(label)] }] });
const emptyCell = (): NoteJson => ({ type: 'tableCell', content: [paragraph()] });

/** One header row of column titles and one empty row to fill in. */
function columnsTable(columns: readonly string[]): NoteJson {
	return {
		type: 'table',
		content: [
			{ type: 'tableRow', content: columns.map(headerCell) },
			{ type: 'tableRow', content: columns.map(emptyCell) }
		]
	};
}

/** Label | value rows, for facts that each get one line. */
function fieldsTable(labels: readonly string[]): NoteJson {
	return { type: 'table', content: labels.map((label) => ({ type: 'tableRow', content: [headerCell(label), emptyCell()] })) };
}

const vitalSigns = ['Blood pressure', 'Heart rate', 'Temperature', 'Respiratory rate', 'SpO₂', 'Weight'];
const doc = (...content: NoteJson[]): NoteJson => ({ type: 'doc', content });

export const noteTemplates: readonly NoteTemplate[] = [
	{
		id: 'soap',
		label: 'SOAP note',
		description: 'Subjective, objective, assessment and plan, for a routine visit.',
		content: doc(
			...section('Subjective'),
			heading('Objective'),
			columnsTable(vitalSigns),
			paragraph(),
			heading('Assessment'),
			orderedList(),
			heading('Plan'),
			bulletList()
		)
	},
	{
		id: 'history-and-physical',
		label: 'History & Physical',
		description: 'A full history and examination, for a new patient or an annual exam.',
		content: doc(
			...section('Chief complaint'),
			...section('History of present illness'),
			...section('Past medical history'),
			heading('Medications'),
			bulletList(),
			heading('Allergies'),
			bulletList(),
			...section('Family history'),
			...section('Social history'),
			...section('Review of systems'),
			heading('Physical examination'),
			columnsTable(vitalSigns),
			paragraph(),
			heading('Assessment'),
			orderedList(),
			heading('Plan'),
			bulletList()
		)
	},
	{
		id: 'progress',
		label: 'Progress note',
		description: 'What changed since the last visit, for a follow-up.',
		content: doc(
			...section('Interval history'),
			heading('Examination'),
			columnsTable(vitalSigns),
			paragraph(),
			...section('Results reviewed'),
			heading('Assessment'),
			orderedList(),
			heading('Plan'),
			bulletList()
		)
	},
	{
		id: 'procedure',
		label: 'Procedure note',
		description: 'Indication, consent, technique and findings of a procedure.',
		content: doc(
			fieldsTable(['Procedure', 'Indication', 'Consent', 'Anesthesia', 'Estimated blood loss', 'Specimens', 'Complications']),
			...section('Description of the procedure'),
			...section('Findings'),
			heading('Post-procedure plan'),
			bulletList()
		)
	},
	{
		id: 'telehealth',
		label: 'Telehealth visit',
		description: 'A video or phone visit, with where each party was and the consent given.',
		content: doc(
			fieldsTable(['Modality (video or audio)', 'Patient location', 'Clinician location', 'Consent to telehealth', 'Others present']),
			...section('Subjective'),
			...section('Observations by video'),
			heading('Assessment'),
			orderedList(),
			heading('Plan'),
			bulletList(),
			...section('Follow-up')
		)
	}
];
