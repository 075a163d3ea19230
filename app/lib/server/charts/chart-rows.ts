import type { ChartAllergy, ChartMedication, ChartProblem } from '../../collab/chart-shape';
import type { WithId } from '../../collab/entry-map';
import type { Allergy, Medication, Problem } from '../../../../db/schema/index';

/**
 * The chart document's entries and the relational rows are the same facts under the same
 * names (entry id = row id, field = column property), so the seed and the projection only pick
 * the clinical columns and leave bookkeeping (patient, prescriber, time stamps) to the table.
 */
export const problemFieldKeys = ['description', 'icd10Code', 'status', 'onsetDate', 'resolvedDate'] as const satisfies readonly (keyof ChartProblem)[];
export const allergyFieldKeys = ['substance', 'reaction', 'severity', 'status'] as const satisfies readonly (keyof ChartAllergy)[];
export const medicationFieldKeys = ['name', 'rxnormCode', 'dose', 'frequency', 'status', 'startDate', 'endDate'] as const satisfies readonly (keyof ChartMedication)[];

export function pickFields<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
	const picked = {} as Pick<T, K>;
	for (const key of keys) picked[key] = source[key];
	return picked;
}

export const problemFields = (row: Problem): ChartProblem => pickFields(row, problemFieldKeys);
export const allergyFields = (row: Allergy): ChartAllergy => pickFields(row, allergyFieldKeys);
export const medicationFields = (row: Medication): ChartMedication => pickFields(row, medicationFieldKeys);

export interface ListChanges<F> {
	inserts: WithId<F>[];
	/** Only the fields that differ from the row. */
	updates: { id: string; changes: Partial<F> }[];
	deletes: string[];
}

/** What must happen to the rows so they say what the document's entries say. */
export function diffRows<F extends object>(rows: readonly (F & { id: string })[], entries: readonly WithId<F>[], keys: readonly (keyof F)[]): ListChanges<F> {
	const rowsById = new Map(rows.map((row) => [row.id, row]));
	const entryIds = new Set(entries.map((entry) => entry.id));
	const changes: ListChanges<F> = { inserts: [], updates: [], deletes: rows.filter((row) => !entryIds.has(row.id)).map((row) => row.id) };
	for (const entry of entries) {
		const row = rowsById.get(entry.id);
		if (!row) {
			changes.inserts.push(entry);
			continue;
		}
		const changed: Partial<F> = {};
		for (const key of keys) if (row[key] !== entry[key]) changed[key] = entry[key];
		if (Object.keys(changed).length > 0) changes.updates.push({ id: entry.id, changes: changed });
	}
	return changes;
}
