import { goalDirections, interventionResponsibles, planEntrySchemas, type PlanList } from '$lib/collab/plan-shape';

/**
 * How the plan's lists are edited as form fields: labels, input kinds and the conversion between
 * the text in an input and the value in the document. Validation is the shape module's own
 * schema, so the form says no to exactly what the server would refuse.
 */

export type FieldKind = 'text' | 'number' | 'optional-number' | 'date' | 'optional-date' | 'select' | 'times';

export interface FieldDefinition {
	key: string;
	label: string;
	kind: FieldKind;
	hint?: string;
	options?: readonly { value: string; label: string }[];
	maxLength?: number;
	wide?: boolean;
}

export interface ListDefinition {
	list: PlanList;
	title: string;
	noun: string;
	nameField: string;
	/** The awareness part name others see ("Dr. Chen is editing Goals"). */
	part: string;
	fields: readonly FieldDefinition[];
	blank: () => Record<string, unknown>;
}

export const directionLabels: Record<(typeof goalDirections)[number], string> = {
	decrease: 'Lower it',
	increase: 'Raise it',
	maintain: 'Keep it steady'
};
export const responsibleLabels: Record<(typeof interventionResponsibles)[number], string> = {
	patient: 'Patient',
	care_team: 'Care team'
};
export const measureLabels: Record<string, string> = {
	systolic_bp: 'Blood pressure, top number (systolic)',
	diastolic_bp: 'Blood pressure, bottom number (diastolic)',
	glucose: 'Blood sugar (glucose)',
	pain_score: 'Pain score (0–10)',
	weight: 'Weight'
};

export function measureLabel(measure: string): string {
	return measureLabels[measure] ?? measure;
}

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export const planListDefinitions: Record<PlanList, ListDefinition> = {
	goals: {
		list: 'goals',
		title: 'Goals',
		noun: 'goal',
		nameField: 'description',
		part: 'goals',
		fields: [
			{ key: 'description', label: 'Goal', kind: 'text', maxLength: 500, wide: true },
			{
				key: 'measure',
				label: 'Measure',
				kind: 'text',
				maxLength: 100,
				hint: 'systolic_bp, diastolic_bp, glucose, pain_score, weight, or your own words'
			},
			{ key: 'unit', label: 'Unit', kind: 'text', maxLength: 30 },
			{ key: 'baseline', label: 'Baseline', kind: 'optional-number', hint: 'Where the patient starts; may be empty' },
			{ key: 'target', label: 'Target', kind: 'number' },
			{ key: 'direction', label: 'Direction', kind: 'select', options: goalDirections.map((value) => ({ value, label: directionLabels[value] })) },
			{ key: 'targetDate', label: 'Target date', kind: 'date' }
		],
		blank: () => ({ description: '', measure: 'systolic_bp', unit: 'mmHg', baseline: null, target: 130, direction: 'decrease', targetDate: inDays(90) })
	},
	interventions: {
		list: 'interventions',
		title: 'Interventions',
		noun: 'intervention',
		nameField: 'description',
		part: 'interventions',
		fields: [
			{ key: 'description', label: 'Intervention', kind: 'text', maxLength: 500, wide: true },
			{ key: 'responsible', label: 'Who', kind: 'select', options: interventionResponsibles.map((value) => ({ value, label: responsibleLabels[value] })) },
			{ key: 'frequency', label: 'How often', kind: 'text', maxLength: 200 }
		],
		blank: () => ({ description: '', responsible: 'patient', frequency: '' })
	},
	medicationSchedule: {
		list: 'medicationSchedule',
		title: 'Medication schedule',
		noun: 'medication',
		nameField: 'medication',
		part: 'medicationSchedule',
		fields: [
			{ key: 'medication', label: 'Medication', kind: 'text', maxLength: 200 },
			{ key: 'dose', label: 'Dose', kind: 'text', maxLength: 200 },
			{ key: 'times', label: 'Times', kind: 'times', hint: '24-hour clinic times, separated by commas: 08:00, 20:00' },
			{ key: 'startDate', label: 'First day', kind: 'date' },
			{ key: 'endDate', label: 'Last day', kind: 'optional-date', hint: 'Empty: until changed' },
			{ key: 'instructions', label: 'Instructions', kind: 'text', maxLength: 1000, wide: true }
		],
		blank: () => ({ medication: '', dose: '', times: ['08:00'], startDate: today(), endDate: null, instructions: '' })
	}
};

/** The text an input shows for a document value. */
export function inputValue(field: FieldDefinition, value: unknown): string {
	if (value === null || value === undefined) return '';
	if (field.kind === 'times' && Array.isArray(value)) return value.join(', ');
	return String(value);
}

/** The document value for an input's text (a number field with text that is not a number becomes NaN, which the schema refuses). */
export function fieldValue(field: FieldDefinition, input: string): unknown {
	const text = input.trim();
	switch (field.kind) {
		case 'number':
			return text === '' ? Number.NaN : Number(text);
		case 'optional-number':
			return text === '' ? null : Number(text);
		case 'optional-date':
			return text === '' ? null : text;
		case 'times':
			return text
				.split(/[\s,;]+/)
				.filter(Boolean)
				.map((t) => (/^\d:\d\d$/.test(t) ? `0${t}` : t));
		default:
			return field.kind === 'text' ? input.trim() : text;
	}
}

/** Plain-words problems of a whole entry, by field (empty when it may be written). */
export function entryProblems(definition: ListDefinition, values: Record<string, unknown>): Record<string, string> {
	const parsed = planEntrySchemas[definition.list].safeParse(values);
	if (parsed.success) return {};
	const problems: Record<string, string> = {};
	for (const issue of parsed.error.issues) {
		const key = String(issue.path[0] ?? 'form');
		const field = definition.fields.find((f) => f.key === key);
		problems[key] ??= problemText(field, issue.code);
	}
	return problems;
}

function problemText(field: FieldDefinition | undefined, code: string): string {
	if (!field) return 'Check this entry.';
	switch (field.kind) {
		case 'number':
		case 'optional-number':
			return `Enter a number for ${field.label.toLowerCase()}.`;
		case 'date':
		case 'optional-date':
			return `Choose a date for ${field.label.toLowerCase()}.`;
		case 'times':
			return 'Enter one or more times like 08:00, 20:00.';
		default:
			return code === 'too_small' ? `Enter ${field.label.toLowerCase()}.` : `Check ${field.label.toLowerCase()}.`;
	}
}
