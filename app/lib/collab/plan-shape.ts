import * as Y from 'yjs';
import { z } from 'zod';
import { checkEntries, fieldsOf, readEntries, readFields, removeEntry, setFields, upsertEntry, type EntryMap, type FieldMap, type WithId } from './entry-map';
import { describeShapeError, ShapeError } from './shape-issues';

/**
 * The `plan:<planId>` document (a treatment plan):
 *   meta : Y.Map {title, status, startDate}
 *   goals | interventions | medicationSchedule : Y.Map<entryId, Y.Map<field, value>>
 *   reviewDates : Y.Array<'YYYY-MM-DD'>
 */

const isoDate = z.iso.date();

export const planStatuses = ['draft', 'active', 'completed', 'cancelled'] as const;
export const goalDirections = ['decrease', 'increase', 'maintain'] as const;
export const interventionResponsibles = ['patient', 'care_team'] as const;
/** Measures the tracker can chart from home readings; a goal may also name a measure in words. */
export const knownGoalMeasures = ['systolic_bp', 'diastolic_bp', 'glucose', 'pain_score', 'weight'] as const;

export const planMetaSchema = z.strictObject({
	title: z.string().min(1).max(200),
	status: z.enum(planStatuses),
	startDate: isoDate
});

export const planGoalSchema = z.strictObject({
	description: z.string().min(1).max(500),
	measure: z.string().min(1).max(100),
	unit: z.string().max(30),
	baseline: z.number().nullable(),
	target: z.number(),
	direction: z.enum(goalDirections),
	targetDate: isoDate
});

export const planInterventionSchema = z.strictObject({
	description: z.string().min(1).max(500),
	responsible: z.enum(interventionResponsibles),
	frequency: z.string().max(200)
});

export const doseTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day (HH:MM)');

export const planScheduledMedicationSchema = z.strictObject({
	medication: z.string().min(1).max(200),
	dose: z.string().max(200),
	times: z.array(doseTimeSchema).min(1).max(12),
	startDate: isoDate,
	endDate: isoDate.nullable(),
	instructions: z.string().max(1000)
});

export const reviewDatesSchema = z.array(isoDate).max(100);

export type PlanMeta = z.infer<typeof planMetaSchema>;
export type PlanGoal = z.infer<typeof planGoalSchema>;
export type PlanIntervention = z.infer<typeof planInterventionSchema>;
export type PlanScheduledMedication = z.infer<typeof planScheduledMedicationSchema>;

export const planLists = ['goals', 'interventions', 'medicationSchedule'] as const;
export type PlanList = (typeof planLists)[number];
export interface PlanEntryFields {
	goals: PlanGoal;
	interventions: PlanIntervention;
	medicationSchedule: PlanScheduledMedication;
}
export const planEntrySchemas = {
	goals: planGoalSchema,
	interventions: planInterventionSchema,
	medicationSchedule: planScheduledMedicationSchema
} as const satisfies { [L in PlanList]: z.ZodType<PlanEntryFields[L]> };
export const planEntryLabels: Record<PlanList, string> = { goals: 'Goal', interventions: 'Intervention', medicationSchedule: 'Scheduled medication' };

export interface PlanDocumentContent {
	/** null until the plan document has been initialized. */
	meta: PlanMeta | null;
	goals: WithId<PlanGoal>[];
	interventions: WithId<PlanIntervention>[];
	medicationSchedule: WithId<PlanScheduledMedication>[];
	reviewDates: string[];
}

export const planMeta = (doc: Y.Doc): FieldMap => doc.getMap('meta');
export const planList = (doc: Y.Doc, list: PlanList): EntryMap => doc.getMap(list);
export const planGoals = (doc: Y.Doc): EntryMap => planList(doc, 'goals');
export const planInterventions = (doc: Y.Doc): EntryMap => planList(doc, 'interventions');
export const planMedicationSchedule = (doc: Y.Doc): EntryMap => planList(doc, 'medicationSchedule');
export const planReviewDates = (doc: Y.Doc): Y.Array<string> => doc.getArray('reviewDates');

export function readPlan(doc: Y.Doc): PlanDocumentContent {
	return {
		meta: readFields(planMeta(doc), planMetaSchema),
		goals: readEntries(planGoals(doc), planGoalSchema),
		interventions: readEntries(planInterventions(doc), planInterventionSchema),
		medicationSchedule: readEntries(planMedicationSchedule(doc), planScheduledMedicationSchema),
		reviewDates: planReviewDates(doc)
			.toArray()
			.filter((date) => isoDate.safeParse(date).success)
	};
}

/** Fills the meta of a new plan document; a document that already has a title is left alone. */
export function initializePlanDocument(doc: Y.Doc, init: { title: string; startDate: string; status?: PlanMeta['status'] }): void {
	if (planMeta(doc).has('title')) return;
	setFields<PlanMeta>(doc, planMeta(doc), { title: init.title, status: init.status ?? 'draft', startDate: init.startDate }, planMetaSchema, 'The plan');
}

export function setPlanMeta(doc: Y.Doc, fields: Partial<PlanMeta>): void {
	setFields<PlanMeta>(doc, planMeta(doc), fields, planMetaSchema, 'The plan');
}

export function upsertPlanEntry<L extends PlanList>(doc: Y.Doc, list: L, id: string, fields: Partial<PlanEntryFields[L]>): void {
	upsertEntry<PlanEntryFields[L]>(doc, planList(doc, list), id, fields, planEntrySchemas[list] as unknown as z.ZodType<PlanEntryFields[L]>, planEntryLabels[list]);
}
export function removePlanEntry(doc: Y.Doc, list: PlanList, id: string): void {
	removeEntry(doc, planList(doc, list), id);
}

export const upsertPlanGoal = (doc: Y.Doc, id: string, fields: Partial<PlanGoal>): void => upsertPlanEntry(doc, 'goals', id, fields);
export const removePlanGoal = (doc: Y.Doc, id: string): void => removePlanEntry(doc, 'goals', id);
export const upsertIntervention = (doc: Y.Doc, id: string, fields: Partial<PlanIntervention>): void => upsertPlanEntry(doc, 'interventions', id, fields);
export const removeIntervention = (doc: Y.Doc, id: string): void => removePlanEntry(doc, 'interventions', id);
export const upsertScheduledMedication = (doc: Y.Doc, id: string, fields: Partial<PlanScheduledMedication>): void =>
	upsertPlanEntry(doc, 'medicationSchedule', id, fields);
export const removeScheduledMedication = (doc: Y.Doc, id: string): void => removePlanEntry(doc, 'medicationSchedule', id);

/** Review dates are kept sorted and unique; the array is rewritten only when they changed. */
export function setReviewDates(doc: Y.Doc, dates: readonly string[]): void {
	const next = [...new Set(dates)].sort();
	const parsed = reviewDatesSchema.safeParse(next);
	if (!parsed.success) throw new ShapeError(describeShapeError('Review dates', parsed.error, next));
	replaceReviewDates(doc, planReviewDates(doc), next);
}

export function replaceReviewDates(doc: Y.Doc, array: Y.Array<string>, dates: readonly string[]): void {
	const current = array.toArray();
	if (current.length === dates.length && current.every((date, i) => date === dates[i])) return;
	doc.transact(() => {
		array.delete(0, array.length);
		array.insert(0, [...dates]);
	});
}

export function checkPlanShape(doc: Y.Doc): string | null {
	const meta = fieldsOf(planMeta(doc));
	// An empty meta is a plan document not initialized yet; a half-filled one is broken.
	if (Object.keys(meta).length > 0) {
		const parsed = planMetaSchema.safeParse(meta);
		if (!parsed.success) return describeShapeError('The plan', parsed.error, meta);
	}
	for (const list of planLists) {
		const reason = checkEntries(planList(doc, list), planEntrySchemas[list], planEntryLabels[list]);
		if (reason) return reason;
	}
	const dates = planReviewDates(doc).toArray();
	const parsed = reviewDatesSchema.safeParse(dates);
	if (!parsed.success) return describeShapeError('Review dates', parsed.error, dates);
	return null;
}
