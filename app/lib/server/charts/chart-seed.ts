import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Database } from '../../../../db/client';
import { allergies, medications, problems } from '../../../../db/schema/index';
import { chartList, ensureChartSections, isChartEmpty } from '../../collab/chart-shape';
import { allergyFields, medicationFields, problemFields } from './chart-rows';

/**
 * Fills a chart document the first time it is opened, from the patient's existing problems,
 * allergies and medications (entry id = row id), with the four free-text sections created
 * empty so no two editors race to create them. A chart that holds anything is left alone:
 * from then on the document is the source of truth and the rows follow it (chart-projection).
 *
 * No authorizePatient here: the collaboration server's ProjectionExtension calls this for a
 * connection it has already authorized, and audits it there.
 */
export async function seedChartDocument(db: Database, patientId: string, doc: Y.Doc, origin: unknown = 'seed'): Promise<void> {
	if (!isChartEmpty(doc)) return;
	const [problemRows, allergyRows, medicationRows] = await Promise.all([
		db.select().from(problems).where(eq(problems.patientId, patientId)),
		db.select().from(allergies).where(eq(allergies.patientId, patientId)),
		db.select().from(medications).where(eq(medications.patientId, patientId))
	]);
	// The document may have been written while the rows were read.
	if (!isChartEmpty(doc)) return;
	// Rows are written as they are, not through the validating mutators: a seed must never
	// fail or drop a fact; the shape check then names any row that breaks the chart's limits.
	const fill = <R extends { id: string }>(list: 'problems' | 'allergies' | 'medications', rows: R[], fieldsOf: (row: R) => object) => {
		const map = chartList(doc, list);
		for (const row of rows) map.set(row.id, new Y.Map(Object.entries(fieldsOf(row))));
	};
	doc.transact(() => {
		fill('problems', problemRows, problemFields);
		fill('allergies', allergyRows, allergyFields);
		fill('medications', medicationRows, medicationFields);
		ensureChartSections(doc);
	}, origin);
}
