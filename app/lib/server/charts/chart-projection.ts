import { and, eq, inArray } from 'drizzle-orm';
import type * as Y from 'yjs';
import type { Database } from '../../../../db/client';
import { allergies, medications, problems } from '../../../../db/schema/index';
import { checkChartShape, readChart } from '../../collab/chart-shape';
import { allergyFieldKeys, allergyFields, diffRows, medicationFieldKeys, medicationFields, problemFieldKeys, problemFields } from './chart-rows';

/**
 * Makes the patient's problems, allergies and medications rows say what the chart document
 * says, so search, the portal, decision support and exports read ordinary tables. One
 * transaction: readers never see half a projection. Only rows of this patient are touched: an
 * entry whose id is another patient's row is not inserted (the id is taken) and never updated.
 *
 * No authorizePatient here: the collaboration server's ProjectionExtension calls this after a
 * change it has already authorized and audited.
 */
export class ChartNotInShape extends Error {
	override name = 'ChartNotInShape';
}

export async function projectChart(db: Database, patientId: string, doc: Y.Doc): Promise<void> {
	// A broken entry would read as "absent" and delete its row; refuse rather than lose a fact.
	const problem = checkChartShape(doc);
	if (problem) throw new ChartNotInShape(`The chart of patient ${patientId} was not projected: ${problem}`);
	const chart = readChart(doc);
	const now = new Date();

	await db.transaction(async (tx) => {
		{
			const rows = await tx.select().from(problems).where(eq(problems.patientId, patientId));
			const diff = diffRows(rows.map((row) => ({ ...problemFields(row), id: row.id })), chart.problems, problemFieldKeys);
			if (diff.inserts.length > 0) await tx.insert(problems).values(diff.inserts.map((entry) => ({ ...entry, patientId }))).onConflictDoNothing();
			for (const { id, changes } of diff.updates) {
				await tx.update(problems).set({ ...changes, updatedAt: now }).where(and(eq(problems.id, id), eq(problems.patientId, patientId)));
			}
			if (diff.deletes.length > 0) await tx.delete(problems).where(and(eq(problems.patientId, patientId), inArray(problems.id, diff.deletes)));
		}
		{
			const rows = await tx.select().from(allergies).where(eq(allergies.patientId, patientId));
			const diff = diffRows(rows.map((row) => ({ ...allergyFields(row), id: row.id })), chart.allergies, allergyFieldKeys);
			if (diff.inserts.length > 0) await tx.insert(allergies).values(diff.inserts.map((entry) => ({ ...entry, patientId }))).onConflictDoNothing();
			for (const { id, changes } of diff.updates) {
				await tx.update(allergies).set({ ...changes, updatedAt: now }).where(and(eq(allergies.id, id), eq(allergies.patientId, patientId)));
			}
			if (diff.deletes.length > 0) await tx.delete(allergies).where(and(eq(allergies.patientId, patientId), inArray(allergies.id, diff.deletes)));
		}
		{
			const rows = await tx.select().from(medications).where(eq(medications.patientId, patientId));
			const diff = diffRows(rows.map((row) => ({ ...medicationFields(row), id: row.id })), chart.medications, medicationFieldKeys);
			if (diff.inserts.length > 0) await tx.insert(medications).values(diff.inserts.map((entry) => ({ ...entry, patientId }))).onConflictDoNothing();
			for (const { id, changes } of diff.updates) {
				await tx.update(medications).set({ ...changes, updatedAt: now }).where(and(eq(medications.id, id), eq(medications.patientId, patientId)));
			}
			if (diff.deletes.length > 0) await tx.delete(medications).where(and(eq(medications.patientId, patientId), inArray(medications.id, diff.deletes)));
		}
	});
}
