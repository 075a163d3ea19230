import type { z } from 'zod';
import {
	allergySeverities,
	allergyStatuses,
	chartEntrySchemas,
	medicationStatuses,
	problemStatuses,
	type ChartEntryFields,
	type ChartList
} from '$lib/collab/chart-shape';

/**
 * How each chart list is edited: its fields in reading order, with labels, input kinds and the
 * words shown when a value does not fit. Values are validated with the chart shape's own
 * schemas (app/lib/collab/chart-shape.ts), the same the server checks.
 */
export type FieldKind = 'text' | 'select' | 'date';

export interface FieldDefinition {
	key: string;
	label: string;
	kind: FieldKind;
	options?: readonly { value: string; label: string }[];
	maxLength?: number;
	required?: boolean;
	/** An empty input means null (an unknown date, no code), not an empty string. */
	emptyIsNull?: boolean;
	/** Shown beside the other fields on a wide screen, below them on a phone. */
	wide?: boolean;
}

export interface ListDefinition<L extends ChartList = ChartList> {
	list: L;
	title: string;
	/** "allergy": used in "Add allergy", "Remove allergy Penicillin". */
	noun: string;
	/** The field that names an entry. */
	nameField: string;
	fields: readonly FieldDefinition[];
	/** The fields a new entry starts with. */
	blank: ChartEntryFields[L];
	/** The order clinicians read the list in. */
	order: (a: ChartEntryFields[L], b: ChartEntryFields[L]) => number;
}

const labelled = <T extends string>(values: readonly T[], labels: Record<T, string>) => values.map((value) => ({ value, label: labels[value] }));

const byStatusThenName =
	<T>(statusRank: (entry: T) => number, name: (entry: T) => string) =>
	(a: T, b: T) =>
		statusRank(a) - statusRank(b) || name(a).localeCompare(name(b));

export const allergyList: ListDefinition<'allergies'> = {
	list: 'allergies',
	title: 'Allergies',
	noun: 'allergy',
	nameField: 'substance',
	fields: [
		{ key: 'substance', label: 'Substance', kind: 'text', required: true, maxLength: 200 },
		{ key: 'reaction', label: 'Reaction', kind: 'text', maxLength: 500, wide: true },
		{ key: 'severity', label: 'Severity', kind: 'select', options: labelled(allergySeverities, { mild: 'Mild', moderate: 'Moderate', severe: 'Severe' }) },
		{ key: 'status', label: 'Status', kind: 'select', options: labelled(allergyStatuses, { active: 'Active', inactive: 'No longer active' }) }
	],
	blank: { substance: '', reaction: '', severity: 'moderate', status: 'active' },
	order: byStatusThenName(
		(a) => (a.status === 'active' ? 0 : 1),
		(a) => a.substance
	)
};

export const problemList: ListDefinition<'problems'> = {
	list: 'problems',
	title: 'Problems',
	noun: 'problem',
	nameField: 'description',
	fields: [
		{ key: 'description', label: 'Problem', kind: 'text', required: true, maxLength: 500, wide: true },
		{ key: 'icd10Code', label: 'ICD-10 code', kind: 'text', maxLength: 20 },
		{ key: 'status', label: 'Status', kind: 'select', options: labelled(problemStatuses, { active: 'Active', resolved: 'Resolved', inactive: 'Inactive' }) },
		{ key: 'onsetDate', label: 'Onset', kind: 'date', emptyIsNull: true },
		{ key: 'resolvedDate', label: 'Resolved', kind: 'date', emptyIsNull: true }
	],
	blank: { description: '', icd10Code: '', status: 'active', onsetDate: null, resolvedDate: null },
	order: byStatusThenName(
		(p) => problemStatuses.indexOf(p.status),
		(p) => p.description
	)
};

export const medicationList: ListDefinition<'medications'> = {
	list: 'medications',
	title: 'Medications',
	noun: 'medication',
	nameField: 'name',
	fields: [
		{ key: 'name', label: 'Medication', kind: 'text', required: true, maxLength: 200, wide: true },
		{ key: 'dose', label: 'Dose', kind: 'text', maxLength: 200 },
		{ key: 'frequency', label: 'How often', kind: 'text', maxLength: 200 },
		{ key: 'status', label: 'Status', kind: 'select', options: labelled(medicationStatuses, { active: 'Active', stopped: 'Stopped', completed: 'Completed' }) },
		{ key: 'startDate', label: 'Started', kind: 'date', emptyIsNull: true },
		{ key: 'endDate', label: 'Ended', kind: 'date', emptyIsNull: true },
		{ key: 'rxnormCode', label: 'RxNorm code', kind: 'text', maxLength: 20, emptyIsNull: true }
	],
	blank: { name: '', rxnormCode: null, dose: '', frequency: '', status: 'active', startDate: null, endDate: null },
	order: byStatusThenName(
		(m) => medicationStatuses.indexOf(m.status),
		(m) => m.name
	)
};

export type AnyListDefinition = ListDefinition<'allergies'> | ListDefinition<'problems'> | ListDefinition<'medications'>;

export const chartListDefinitions: readonly AnyListDefinition[] = [allergyList, problemList, medicationList];

/** What an input holds → what the document holds. */
export function fieldValue(field: FieldDefinition, input: string): string | null {
	const trimmed = field.kind === 'text' ? input.trim() : input;
	return field.emptyIsNull && trimmed === '' ? null : trimmed;
}

/** What the document holds → what an input shows. */
export function inputValue(value: unknown): string {
	return value === null || value === undefined ? '' : String(value);
}

/** The words for a value that does not fit, or null when it fits. */
export function fieldProblem(list: ChartList, field: FieldDefinition, value: unknown): string | null {
	const schema = (chartEntrySchemas[list] as unknown as z.ZodObject).shape[field.key] as z.ZodType | undefined;
	const parsed = schema?.safeParse(value);
	if (!parsed || parsed.success) return null;
	const issue = parsed.error.issues[0];
	if (issue?.code === 'too_small') return `Enter the ${field.label.toLowerCase()}.`;
	if (issue?.code === 'too_big') return `Use at most ${field.maxLength ?? issue.maximum} characters for the ${field.label.toLowerCase()}.`;
	if (field.kind === 'date') return `Enter the ${field.label.toLowerCase()} date as a full date, or leave it empty.`;
	if (field.kind === 'select') return `Choose one of the listed values for ${field.label.toLowerCase()}.`;
	return `The ${field.label.toLowerCase()} is not valid.`;
}

/** Problems of a whole new entry, by field; empty when it may be added. */
export function entryProblems(definition: Pick<AnyListDefinition, 'list' | 'fields'>, values: Record<string, unknown>): Record<string, string> {
	const problems: Record<string, string> = {};
	for (const field of definition.fields) {
		const problem = fieldProblem(definition.list, field, values[field.key]);
		if (problem) problems[field.key] = problem;
	}
	return problems;
}
