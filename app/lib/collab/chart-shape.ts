import * as Y from 'yjs';
import { z } from 'zod';
import { checkEntries, readEntries, removeEntry, upsertEntry, type EntryMap, type WithId } from './entry-map';

/**
 * The `chart:<patientId>` document: three lists keyed by the relational row id (so the
 * projection upserts by id) and four free-text sections.
 *   problems | allergies | medications : Y.Map<entryId, Y.Map<field, value>>
 *   sections : Y.Map<'history' | 'social' | 'family' | 'summary', Y.Text>
 * The enums repeat db/schema/clinical.ts on purpose: this module runs in the browser too and
 * must not pull the database layer in.
 */

const isoDate = z.iso.date();

export const problemStatuses = ['active', 'resolved', 'inactive'] as const;
export const allergySeverities = ['mild', 'moderate', 'severe'] as const;
export const allergyStatuses = ['active', 'inactive'] as const;
export const medicationStatuses = ['active', 'stopped', 'completed'] as const;

export const chartProblemSchema = z.strictObject({
	description: z.string().min(1).max(500),
	icd10Code: z.string().max(20),
	status: z.enum(problemStatuses),
	onsetDate: isoDate.nullable(),
	resolvedDate: isoDate.nullable()
});

export const chartAllergySchema = z.strictObject({
	substance: z.string().min(1).max(200),
	reaction: z.string().max(500),
	severity: z.enum(allergySeverities),
	status: z.enum(allergyStatuses)
});

export const chartMedicationSchema = z.strictObject({
	name: z.string().min(1).max(200),
	rxnormCode: z.string().max(20).nullable(),
	dose: z.string().max(200),
	frequency: z.string().max(200),
	status: z.enum(medicationStatuses),
	startDate: isoDate.nullable(),
	endDate: isoDate.nullable()
});

export type ChartProblem = z.infer<typeof chartProblemSchema>;
export type ChartAllergy = z.infer<typeof chartAllergySchema>;
export type ChartMedication = z.infer<typeof chartMedicationSchema>;

export const chartLists = ['problems', 'allergies', 'medications'] as const;
export type ChartList = (typeof chartLists)[number];
export interface ChartEntryFields {
	problems: ChartProblem;
	allergies: ChartAllergy;
	medications: ChartMedication;
}

export const chartEntrySchemas = {
	problems: chartProblemSchema,
	allergies: chartAllergySchema,
	medications: chartMedicationSchema
} as const satisfies { [L in ChartList]: z.ZodType<ChartEntryFields[L]> };

/** How a reason names an entry of each list. */
export const chartEntryLabels: Record<ChartList, string> = { problems: 'Problem', allergies: 'Allergy', medications: 'Medication' };

export const chartSectionKeys = ['history', 'social', 'family', 'summary'] as const;
export type ChartSectionKey = (typeof chartSectionKeys)[number];
export const chartSectionKeySchema = z.enum(chartSectionKeys);
export const chartSectionTitles: Record<ChartSectionKey, string> = {
	history: 'History',
	social: 'Social history',
	family: 'Family history',
	summary: 'Summary'
};
/** A section is free text, not a note: a generous ceiling keeps one paste from bloating the chart. */
export const chartSectionMaxLength = 20_000;

export interface ChartContent {
	problems: WithId<ChartProblem>[];
	allergies: WithId<ChartAllergy>[];
	medications: WithId<ChartMedication>[];
	sections: Record<ChartSectionKey, string>;
}

export function chartList<L extends ChartList>(doc: Y.Doc, list: L): EntryMap {
	return doc.getMap(list);
}
export const chartProblems = (doc: Y.Doc): EntryMap => chartList(doc, 'problems');
export const chartAllergies = (doc: Y.Doc): EntryMap => chartList(doc, 'allergies');
export const chartMedications = (doc: Y.Doc): EntryMap => chartList(doc, 'medications');
export const chartSections = (doc: Y.Doc): Y.Map<Y.Text> => doc.getMap('sections');

/**
 * The section's shared text. The seed creates all four sections, so an editor normally finds
 * them; creating one here is the fallback for a chart seeded before a section existed (two
 * replicas creating it at once would keep only one of the two texts, hence the seed).
 */
export function chartSectionText(doc: Y.Doc, key: ChartSectionKey): Y.Text {
	const sections = chartSections(doc);
	const existing = sections.get(key);
	if (existing instanceof Y.Text) return existing;
	const text = new Y.Text();
	doc.transact(() => sections.set(key, text));
	return text;
}

/** Creates every missing section (empty). Used by the seed, inside its transaction. */
export function ensureChartSections(doc: Y.Doc): void {
	const sections = chartSections(doc);
	doc.transact(() => {
		for (const key of chartSectionKeys) if (!(sections.get(key) instanceof Y.Text)) sections.set(key, new Y.Text());
	});
}

export function readChart(doc: Y.Doc): ChartContent {
	const sections = chartSections(doc);
	return {
		problems: readEntries(chartProblems(doc), chartProblemSchema),
		allergies: readEntries(chartAllergies(doc), chartAllergySchema),
		medications: readEntries(chartMedications(doc), chartMedicationSchema),
		sections: Object.fromEntries(chartSectionKeys.map((key) => [key, sections.get(key)?.toString() ?? ''])) as Record<ChartSectionKey, string>
	};
}

/** Creates the entry or writes only the fields that changed; throws ShapeError on invalid content. */
export function upsertChartEntry<L extends ChartList>(doc: Y.Doc, list: L, id: string, fields: Partial<ChartEntryFields[L]>): void {
	upsertEntry<ChartEntryFields[L]>(doc, chartList(doc, list), id, fields, chartEntrySchemas[list] as unknown as z.ZodType<ChartEntryFields[L]>, chartEntryLabels[list]);
}

export function removeChartEntry(doc: Y.Doc, list: ChartList, id: string): void {
	removeEntry(doc, chartList(doc, list), id);
}

/** null when the chart is valid, else a plain-words reason naming the entry and field. */
export function checkChartShape(doc: Y.Doc): string | null {
	for (const list of chartLists) {
		const reason = checkEntries(chartList(doc, list), chartEntrySchemas[list], chartEntryLabels[list]);
		if (reason) return reason;
	}
	for (const [key, text] of chartSections(doc).entries()) {
		if (!chartSectionKeySchema.safeParse(key).success) return `The chart has no section called "${key.slice(0, 40)}".`;
		if (!(text instanceof Y.Text)) return `The ${key} section is not text.`;
		if (text.length > chartSectionMaxLength) return `The ${key} section is longer than ${chartSectionMaxLength} characters.`;
	}
	return null;
}

/** True while nothing has been written: the seed fills only such a chart. */
export function isChartEmpty(doc: Y.Doc): boolean {
	return chartLists.every((list) => chartList(doc, list).size === 0) && chartSections(doc).size === 0;
}
