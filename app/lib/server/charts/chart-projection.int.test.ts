import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { allergies, medications, patients, problems } from '../../../../db/schema/index';
import { chartAllergies, chartSectionText, checkChartShape, readChart, removeChartEntry, upsertChartEntry } from '../../collab/chart-shape';
import { ChartNotInShape, projectChart } from './chart-projection';
import { seedChartDocument } from './chart-seed';

describe.each(testDatabaseKinds)('chart seed and projection on %s', (kind) => {
	let database: TestDatabase;
	const ids = { patient: '', otherPatient: '', diabetes: '', penicillin: '', metformin: '', otherAllergy: '' };

	beforeAll(async () => {
		database = await createTestDatabase(kind);
	});
	afterAll(async () => {
		await database?.drop();
	});

	beforeEach(async () => {
		const { db } = database;
		await db.delete(patients);
		const [patient, otherPatient] = await db
			.insert(patients)
			.values([
				{ mrn: '300001', givenName: 'Maria', familyName: 'Garcia', birthDate: '1968-03-14', sex: 'female' },
				{ mrn: '300002', givenName: 'Tom', familyName: 'Baker', birthDate: '1990-06-30', sex: 'male' }
			])
			.returning();
		ids.patient = patient!.id;
		ids.otherPatient = otherPatient!.id;
		const [diabetes] = await db
			.insert(problems)
			.values({ patientId: ids.patient, icd10Code: 'E11.9', description: 'Type 2 diabetes mellitus without complications', onsetDate: '2019-04-01' })
			.returning();
		ids.diabetes = diabetes!.id;
		const [penicillin] = await db.insert(allergies).values({ patientId: ids.patient, substance: 'Penicillin', reaction: 'Hives', severity: 'moderate' }).returning();
		ids.penicillin = penicillin!.id;
		const [metformin] = await db
			.insert(medications)
			.values({ patientId: ids.patient, name: 'Metformin', rxnormCode: '860975', dose: '500 mg', frequency: 'twice daily', startDate: '2019-04-01' })
			.returning();
		ids.metformin = metformin!.id;
		const [otherAllergy] = await db.insert(allergies).values({ patientId: ids.otherPatient, substance: 'Latex', reaction: 'Rash', severity: 'mild' }).returning();
		ids.otherAllergy = otherAllergy!.id;
		await db.insert(problems).values({ patientId: ids.otherPatient, icd10Code: 'J45.909', description: 'Asthma' });
	});

	async function seeded(): Promise<Y.Doc> {
		const doc = new Y.Doc();
		await seedChartDocument(database.db, ids.patient, doc);
		return doc;
	}

	async function rowsOf(patientId: string) {
		const { db } = database;
		return {
			problems: await db.select().from(problems).where(eq(problems.patientId, patientId)).orderBy(asc(problems.id)),
			allergies: await db.select().from(allergies).where(eq(allergies.patientId, patientId)).orderBy(asc(allergies.id)),
			medications: await db.select().from(medications).where(eq(medications.patientId, patientId)).orderBy(asc(medications.id))
		};
	}

	it('seeds an empty chart from the patient’s rows, with empty sections', async () => {
		const doc = await seeded();
		const chart = readChart(doc);
		expect(chart.problems).toEqual([
			{ id: ids.diabetes, description: 'Type 2 diabetes mellitus without complications', icd10Code: 'E11.9', status: 'active', onsetDate: '2019-04-01', resolvedDate: null }
		]);
		expect(chart.allergies).toEqual([{ id: ids.penicillin, substance: 'Penicillin', reaction: 'Hives', severity: 'moderate', status: 'active' }]);
		expect(chart.medications).toEqual([
			{ id: ids.metformin, name: 'Metformin', rxnormCode: '860975', dose: '500 mg', frequency: 'twice daily', status: 'active', startDate: '2019-04-01', endDate: null }
		]);
		expect(chart.sections).toEqual({ history: '', social: '', family: '', summary: '' });
		expect(checkChartShape(doc)).toBeNull();
	});

	it('leaves a chart that already holds content alone', async () => {
		const doc = new Y.Doc();
		chartSectionText(doc, 'summary').insert(0, 'Written before the seed');
		await seedChartDocument(database.db, ids.patient, doc);
		expect(readChart(doc).allergies).toEqual([]);
		const again = await seeded();
		await seedChartDocument(database.db, ids.patient, again);
		expect(readChart(again).problems).toHaveLength(1);
	});

	it('projects edits, additions and removals to the rows', async () => {
		const doc = await seeded();
		const before = (await rowsOf(ids.patient)).allergies[0]!;
		const newProblem = randomUUID();
		upsertChartEntry(doc, 'allergies', ids.penicillin, { severity: 'severe', reaction: 'Anaphylaxis' });
		upsertChartEntry(doc, 'problems', newProblem, { description: 'Essential hypertension', icd10Code: 'I10', status: 'active', onsetDate: '2024-02-01', resolvedDate: null });
		upsertChartEntry(doc, 'medications', ids.metformin, { status: 'stopped', endDate: '2026-05-01' });
		removeChartEntry(doc, 'problems', ids.diabetes);

		await projectChart(database.db, ids.patient, doc);
		const rows = await rowsOf(ids.patient);
		expect(rows.problems.map((row) => [row.id, row.description, row.icd10Code, row.onsetDate])).toEqual([[newProblem, 'Essential hypertension', 'I10', '2024-02-01']]);
		expect(rows.allergies).toHaveLength(1);
		expect(rows.allergies[0]).toMatchObject({ id: ids.penicillin, severity: 'severe', reaction: 'Anaphylaxis', substance: 'Penicillin' });
		expect(rows.allergies[0]!.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
		expect(rows.medications[0]).toMatchObject({ id: ids.metformin, status: 'stopped', endDate: '2026-05-01', dose: '500 mg' });

		// The rows now read back as the same chart.
		const reread = new Y.Doc();
		await seedChartDocument(database.db, ids.patient, reread);
		const { sections: _ignored, ...content } = readChart(doc);
		const { sections: _alsoIgnored, ...rereadContent } = readChart(reread);
		expect(rereadContent).toEqual(content);
	});

	it('deletes the row of a deleted entry, and touches no other patient', async () => {
		const otherBefore = await rowsOf(ids.otherPatient);
		const doc = await seeded();
		removeChartEntry(doc, 'allergies', ids.penicillin);
		// A forged entry carrying another patient's row id must neither move nor change that row.
		upsertChartEntry(doc, 'allergies', ids.otherAllergy, { substance: 'Hijacked', reaction: '', severity: 'severe', status: 'active' });
		await projectChart(database.db, ids.patient, doc);
		expect((await rowsOf(ids.patient)).allergies).toEqual([]);
		expect(await rowsOf(ids.otherPatient)).toEqual(otherBefore);

		// Projecting an unchanged chart again writes nothing.
		const settled = await rowsOf(ids.patient);
		await projectChart(database.db, ids.patient, doc);
		expect(await rowsOf(ids.patient)).toEqual(settled);
	});

	it('refuses to project a chart that is not in shape, leaving the rows as they were', async () => {
		const doc = await seeded();
		const before = await rowsOf(ids.patient);
		removeChartEntry(doc, 'problems', ids.diabetes);
		chartAllergies(doc).get(ids.penicillin)!.set('severity', 'lethal');
		await expect(projectChart(database.db, ids.patient, doc)).rejects.toThrow(ChartNotInShape);
		expect(await rowsOf(ids.patient)).toEqual(before);
	});
});
