import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	chartAllergies,
	chartSectionText,
	checkChartShape,
	ensureChartSections,
	isChartEmpty,
	readChart,
	removeChartEntry,
	upsertChartEntry,
	type ChartAllergy
} from './chart-shape';
import { ShapeError } from './shape-issues';

const allergyId = '6d1f3c1e-2b7a-4c39-9f0e-2a1b3c4d5e6f';
const otherId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const penicillin: ChartAllergy = { substance: 'Penicillin', reaction: 'Hives', severity: 'moderate', status: 'active' };

describe('chart shape', () => {
	it('creates an entry, then writes only the fields that changed', () => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', allergyId, penicillin);
		expect(readChart(doc).allergies).toEqual([{ ...penicillin, id: allergyId }]);

		const changedKeys: string[] = [];
		chartAllergies(doc).observeDeep((events) => events.forEach((event) => changedKeys.push(...event.keys.keys())));
		upsertChartEntry(doc, 'allergies', allergyId, { ...penicillin, severity: 'severe' });
		expect(changedKeys).toEqual(['severity']);
		expect(readChart(doc).allergies[0]?.severity).toBe('severe');
	});

	it('refuses to write an entry the server would refuse, and writes nothing', () => {
		const doc = new Y.Doc();
		expect(() => upsertChartEntry(doc, 'allergies', allergyId, { ...penicillin, severity: 'fatal' as 'severe' })).toThrow(ShapeError);
		expect(() => upsertChartEntry(doc, 'allergies', allergyId, { substance: 'Latex' })).toThrow(/reaction is missing/);
		expect(() => upsertChartEntry(doc, 'problems', 'not-a-uuid', {})).toThrow(/valid id/);
		expect(isChartEmpty(doc)).toBe(true);
	});

	it('removes entries', () => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', allergyId, penicillin);
		upsertChartEntry(doc, 'allergies', otherId, { ...penicillin, substance: 'Latex' });
		removeChartEntry(doc, 'allergies', allergyId);
		expect(readChart(doc).allergies.map((a) => a.id)).toEqual([otherId]);
	});

	it('reads sections as text', () => {
		const doc = new Y.Doc();
		ensureChartSections(doc);
		chartSectionText(doc, 'social').insert(0, 'Non-smoker');
		expect(readChart(doc).sections).toEqual({ history: '', social: 'Non-smoker', family: '', summary: '' });
		expect(checkChartShape(doc)).toBeNull();
	});

	it('names the entry and field of a forged entry', () => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', allergyId, penicillin);
		chartAllergies(doc).get(allergyId)!.set('severity', 'lethal');
		expect(checkChartShape(doc)).toBe(`Allergy ${allergyId}: severity must be one of mild, moderate, severe.`);
		// A broken entry is left out of what screens read.
		expect(readChart(doc).allergies).toEqual([]);
	});

	it.each([
		['an unknown field', (doc: Y.Doc) => chartAllergies(doc).get(allergyId)!.set('notes', 'x'), /unknown field notes/],
		['a bad id', (doc: Y.Doc) => chartAllergies(doc).set('ABC', new Y.Map()), /valid id/],
		['a plain value instead of fields', (doc: Y.Doc) => (chartAllergies(doc) as Y.Map<unknown>).set(otherId, 'x'), /not a set of fields/],
		['an unknown section', (doc: Y.Doc) => doc.getMap('sections').set('secrets', new Y.Text()), /no section called "secrets"/],
		['a section that is not text', (doc: Y.Doc) => doc.getMap('sections').set('history', 'plain'), /history section is not text/],
		['a bad date', (doc: Y.Doc) => upsertChartEntryRaw(doc), /onsetDate must be a date/]
	])('refuses %s', (_label, forge, reason) => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', allergyId, penicillin);
		forge(doc);
		expect(checkChartShape(doc)).toMatch(reason);
	});
});

function upsertChartEntryRaw(doc: Y.Doc): void {
	const problem = new Y.Map<unknown>(
		Object.entries({ description: 'Asthma', icd10Code: 'J45.909', status: 'active', onsetDate: '2020-13-01', resolvedDate: null })
	);
	doc.getMap('problems').set(otherId, problem);
}
