import { z } from 'zod';
import type { ScheduleItem } from './doses';
import type { PlanGoal } from './trajectory';

/**
 * The plan's content as the tracker reads it from treatment_plans.content (the projection of the
 * `plan:<id>` document, written by plan-projection.ts with the shape module's readPlan). The
 * document is validated on the collaboration server; this reader still refuses to trust it
 * blindly: an entry that does not parse is left out rather than breaking a patient's page.
 */

export interface PlanIntervention {
	id: string;
	description: string;
	responsible: 'patient' | 'care_team';
	frequency: string;
}

export type PlanScheduleEntry = ScheduleItem & { times: string[]; instructions: string };

export interface PlanContent {
	goals: PlanGoal[];
	interventions: PlanIntervention[];
	medicationSchedule: PlanScheduleEntry[];
	reviewDates: string[];
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const goalSchema = z.object({
	description: z.string().catch(''),
	measure: z.string().catch(''),
	unit: z.string().catch(''),
	baseline: z.number().finite().nullable().catch(null),
	target: z.number().finite(),
	direction: z.enum(['decrease', 'increase', 'maintain']),
	targetDate: isoDate
});

const interventionSchema = z.object({
	description: z.string().catch(''),
	responsible: z.enum(['patient', 'care_team']).catch('patient'),
	frequency: z.string().catch('')
});

const scheduleSchema = z.object({
	medication: z.string().catch(''),
	dose: z.string().catch(''),
	times: z.array(z.string()).catch([]),
	startDate: isoDate,
	endDate: isoDate.nullable().catch(null),
	instructions: z.string().catch('')
});

/** Entries keyed by id (a map, as the document holds them) or as a list of objects with an id. */
function entries<T>(value: unknown, schema: z.ZodType<T>): (T & { id: string })[] {
	const pairs: [string, unknown][] = Array.isArray(value)
		? value.map((item) => [typeof item === 'object' && item !== null && 'id' in item ? String((item as { id: unknown }).id) : '', item])
		: typeof value === 'object' && value !== null
			? Object.entries(value)
			: [];
	const result: (T & { id: string })[] = [];
	for (const [id, raw] of pairs) {
		if (!id) continue;
		const parsed = schema.safeParse(raw);
		if (parsed.success) result.push({ ...parsed.data, id });
	}
	return result;
}

export function planContentOf(content: unknown): PlanContent {
	const root = typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
	const reviewDates = Array.isArray(root.reviewDates) ? root.reviewDates.filter((d): d is string => isoDate.safeParse(d).success).sort() : [];
	return {
		goals: entries(root.goals, goalSchema).sort((a, b) => a.targetDate.localeCompare(b.targetDate) || a.description.localeCompare(b.description)),
		interventions: entries(root.interventions, interventionSchema).sort((a, b) => a.description.localeCompare(b.description)),
		medicationSchedule: entries(root.medicationSchedule, scheduleSchema).sort((a, b) => a.medication.localeCompare(b.medication)),
		reviewDates
	};
}
