import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TableKit } from '@tiptap/extension-table';
import { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { prosemirrorToYXmlFragment } from '@tiptap/y-tiptap';
import { addAnnotation, buildAnnotation, readAnnotations } from './annotation-shape';
import { chartSectionText, ensureChartSections, readChart, removeChartEntry, upsertChartEntry } from './chart-shape';
import { changedParts, checkDocumentShape, checkUpdateRoots, describePart, restoreDocumentContent } from './document-shape';
import type { CollabDocumentKind } from './document-names';
import { noteTemplates } from './note-shape';
import { initializePlanDocument, readPlan, setReviewDates, upsertPlanGoal } from './plan-shape';

const ids = {
	penicillin: '6d1f3c1e-2b7a-4c39-9f0e-2a1b3c4d5e6f',
	latex: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
	peanuts: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
	goal: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
	document: '16fd2706-8baf-433b-82eb-8c7fada847da',
	annotation: 'c56a4180-65aa-42ec-a945-5fd21dec0538'
};
const penicillin = { substance: 'Penicillin', reaction: 'Hives', severity: 'moderate', status: 'active' } as const;
const schema = getSchema([StarterKit, TableKit]);

/** The update a change to `doc` produces (what a client would send). */
function updateOf(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
	const updates: Uint8Array[] = [];
	const collect = (update: Uint8Array) => updates.push(update);
	doc.on('update', collect);
	change(doc);
	doc.off('update', collect);
	return Y.mergeUpdates(updates);
}

function forged(change: (doc: Y.Doc) => void): Uint8Array {
	return updateOf(new Y.Doc(), change);
}

function paragraph(text: string, format?: Record<string, unknown>): Y.XmlElement {
	const element = new Y.XmlElement('paragraph');
	const content = new Y.XmlText();
	content.insert(0, text, format);
	element.insert(0, [content]);
	return element;
}

describe('checkUpdateRoots', () => {
	it('lets ordinary edits of every kind through', () => {
		expect(checkUpdateRoots('chart', forged((doc) => (ensureChartSections(doc), upsertChartEntry(doc, 'allergies', ids.penicillin, penicillin))))).toBeNull();
		expect(checkUpdateRoots('plan', forged((doc) => (initializePlanDocument(doc, { title: 'Plan', startDate: '2026-06-01' }), setReviewDates(doc, ['2026-07-01']))))).toBeNull();
		const annotation = buildAnnotation({ id: ids.annotation, documentId: ids.document, creator: { id: 'u1', name: 'Dr. Chen' }, motivation: 'highlighting', text: '', region: { page: 1, x: 1, y: 2, width: 3, height: 4 } });
		expect(checkUpdateRoots('annotations', forged((doc) => addAnnotation(doc, annotation)))).toBeNull();
	});

	it.each(noteTemplates.map((t) => [t.label, t] as const))('lets the %s template written by the editor binding through', (_label, template) => {
		const update = forged((doc) => {
			prosemirrorToYXmlFragment(ProseMirrorNode.fromJSON(schema, template.content), doc.getXmlFragment('default'));
			doc.getMap('meta').set('template', template.id);
		});
		expect(checkUpdateRoots('note', update)).toBeNull();
	});

	it('lets typing, marks and links into an existing note through', () => {
		const doc = new Y.Doc();
		doc.getXmlFragment('default').insert(0, [paragraph('Cough for 3 days')]);
		const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
		const update = updateOf(doc, () => {
			text.insert(5, ' and fever', { bold: {} });
			text.format(0, 5, { link: { href: 'https://example.org/guideline', target: '_blank', rel: 'noopener noreferrer nofollow', class: null, title: null } });
			(doc.getXmlFragment('default').get(0) as Y.XmlElement).setAttribute('level', 2 as unknown as string);
		});
		expect(checkUpdateRoots('note', update)).toBeNull();
	});

	it('refuses a forged update that adds an unknown root', () => {
		expect(checkUpdateRoots('chart', forged((doc) => doc.getMap('secrets').set('x', 1)))).toBe('This document has no part called "secrets".');
		expect(checkUpdateRoots('note', forged((doc) => doc.getMap('problems').set('x', 1)))).toMatch(/no part called "problems"/);
	});

	it('refuses a root written in the wrong form', () => {
		expect(checkUpdateRoots('chart', forged((doc) => doc.getArray('problems').insert(0, [1])))).toMatch(/problems part was written in the wrong form/);
		expect(checkUpdateRoots('plan', forged((doc) => doc.getMap('reviewDates').set('a', '2026-01-01')))).toMatch(/wrong form/);
	});

	it('refuses bytes that are not an update', () => {
		expect(checkUpdateRoots('chart', new Uint8Array([255, 255, 255, 255, 255, 255]))).toBe('The update could not be read.');
	});

	it('refuses sub-documents', () => {
		expect(checkUpdateRoots('chart', forged((doc) => doc.getMap('problems').set(ids.latex, new Y.Doc() as unknown as Y.Map<unknown>)))).toMatch(/Embedded documents/);
	});

	it.each<[string, (doc: Y.Doc) => void, RegExp]>([
		['a <script> element', (doc) => doc.getXmlFragment('default').insert(0, [new Y.XmlElement('script')]), /cannot contain a "script" element/],
		['a <script> nested in a list', (doc) => {
			const list = new Y.XmlElement('bulletList');
			const item = new Y.XmlElement('listItem');
			item.insert(0, [new Y.XmlElement('script')]);
			list.insert(0, [item]);
			doc.getXmlFragment('default').insert(0, [list]);
		}, /"script" element/],
		['an unknown mark', (doc) => doc.getXmlFragment('default').insert(0, [paragraph('x', { onclick: 'steal()' })]), /"onclick" format/],
		['a javascript: link', (doc) => doc.getXmlFragment('default').insert(0, [paragraph('x', { link: { href: 'javascript:alert(1)' } })]), /link .*must start with/],
		['an event-handler attribute', (doc) => {
			const element = paragraph('x');
			element.setAttribute('onmouseover', 'steal()');
			doc.getXmlFragment('default').insert(0, [element]);
		}, /attribute "onmouseover"/],
		['a map inside the text', (doc) => doc.getXmlFragment('default').insert(0, [new Y.Map() as unknown as Y.XmlElement]), /only contain text and editor elements/],
		['an unknown note setting', (doc) => doc.getMap('meta').set('owner', 'me'), /no setting called "owner"/],
		['a template that is not text', (doc) => doc.getMap('meta').set('template', { evil: true }), /must be a short text/]
	])('refuses a note update with %s', (_label, change, reason) => {
		expect(checkUpdateRoots('note', forged(change))).toMatch(reason);
	});
});

describe('checkDocumentShape', () => {
	it('accepts a valid chart and refuses an unknown part with content', () => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', ids.penicillin, penicillin);
		expect(checkDocumentShape('chart', doc)).toBeNull();
		doc.getMap('secrets');
		expect(checkDocumentShape('chart', doc)).toBeNull();
		doc.getMap('secrets').set('x', 1);
		expect(checkDocumentShape('chart', doc)).toMatch(/no part called "secrets"/);
	});

	it('refuses a part of the wrong type', () => {
		const doc = new Y.Doc();
		doc.getArray('goals');
		expect(checkDocumentShape('plan', doc)).toBe('A part of the document has the wrong type.');
	});

	it('passes on a broken entry’s reason and leaves notes to the update check', () => {
		const doc = new Y.Doc();
		upsertChartEntry(doc, 'allergies', ids.penicillin, penicillin);
		doc.getMap<Y.Map<unknown>>('allergies').get(ids.penicillin)!.set('severity', 'lethal');
		expect(checkDocumentShape('chart', doc)).toMatch(/^Allergy .*severity/);
		expect(checkDocumentShape('note', doc)).toBeNull();
	});
});

describe('changedParts', () => {
	function partsOf(kind: CollabDocumentKind, doc: Y.Doc, change: (doc: Y.Doc) => void): string[] {
		let parts: string[] = [];
		const listen = (transaction: Y.Transaction) => (parts = changedParts(kind, transaction));
		doc.on('afterTransaction', listen);
		doc.transact(() => change(doc));
		doc.off('afterTransaction', listen);
		return parts;
	}

	it('labels chart lists and sections', () => {
		const doc = new Y.Doc();
		expect(partsOf('chart', doc, (d) => ensureChartSections(d))).toEqual(['sections:family', 'sections:history', 'sections:social', 'sections:summary']);
		expect(partsOf('chart', doc, (d) => upsertChartEntry(d, 'allergies', ids.penicillin, penicillin))).toEqual(['allergies']);
		expect(partsOf('chart', doc, (d) => upsertChartEntry(d, 'allergies', ids.penicillin, { severity: 'severe' }))).toEqual(['allergies']);
		expect(partsOf('chart', doc, (d) => chartSectionText(d, 'history').insert(0, 'Appendectomy 2010'))).toEqual(['sections:history']);
		expect(
			partsOf('chart', doc, (d) => {
				removeChartEntry(d, 'allergies', ids.penicillin);
				upsertChartEntry(d, 'problems', ids.latex, { description: 'Asthma', icd10Code: 'J45.909', status: 'active', onsetDate: null, resolvedDate: null });
			})
		).toEqual(['allergies', 'problems']);
	});

	it('labels changes that arrive from another replica (as on the server)', () => {
		const client = new Y.Doc();
		ensureChartSections(client);
		const server = new Y.Doc();
		Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
		const update = updateOf(client, (d) => chartSectionText(d, 'family').insert(0, 'Mother: type 2 diabetes'));
		let parts: string[] = [];
		server.on('afterTransaction', (transaction: Y.Transaction) => (parts = changedParts('chart', transaction)));
		Y.applyUpdate(server, update);
		expect(parts).toEqual(['sections:family']);
	});

	it('labels note, plan and annotation parts', () => {
		expect(partsOf('note', new Y.Doc(), (d) => d.getXmlFragment('default').insert(0, [paragraph('Stable')]))).toEqual(['note']);
		expect(partsOf('note', new Y.Doc(), (d) => d.getMap('meta').set('template', 'soap'))).toEqual(['template']);
		expect(
			partsOf('plan', new Y.Doc(), (d) => {
				upsertPlanGoal(d, ids.goal, { description: 'Lower A1c', measure: 'hba1c', unit: '%', baseline: 8.1, target: 7, direction: 'decrease', targetDate: '2026-12-01' });
				setReviewDates(d, ['2026-09-01']);
			})
		).toEqual(['goals', 'reviewDates']);
		expect(partsOf('annotations', new Y.Doc(), (d) => d.getMap('annotations').set(ids.annotation, {}))).toEqual(['annotations']);
		expect(describePart('sections:history')).toBe('History');
		expect(describePart('medicationSchedule')).toBe('Medication schedule');
	});
});

describe('restoreDocumentContent', () => {
	function snapshotOf(doc: Y.Doc): Y.Doc {
		const version = new Y.Doc();
		Y.applyUpdate(version, Y.encodeStateAsUpdate(doc));
		return version;
	}

	it('brings back a deleted allergy and an old section text as a new change', () => {
		const live = new Y.Doc();
		ensureChartSections(live);
		upsertChartEntry(live, 'allergies', ids.penicillin, penicillin);
		upsertChartEntry(live, 'allergies', ids.latex, { ...penicillin, substance: 'Latex', severity: 'mild' });
		chartSectionText(live, 'history').insert(0, 'Appendectomy 2010');
		const version = snapshotOf(live);
		const expected = readChart(version);

		// Another replica follows the live document throughout.
		const peer = snapshotOf(live);
		live.on('update', (update: Uint8Array) => Y.applyUpdate(peer, update));

		removeChartEntry(live, 'allergies', ids.penicillin);
		upsertChartEntry(live, 'allergies', ids.latex, { severity: 'severe' });
		upsertChartEntry(live, 'allergies', ids.peanuts, { ...penicillin, substance: 'Peanuts' });
		const history = chartSectionText(live, 'history');
		history.delete(0, history.length);
		history.insert(0, 'No surgeries');
		expect(readChart(live)).not.toEqual(expected);

		const before = Y.encodeStateVector(live);
		restoreDocumentContent('chart', live, version, 'restore');
		expect(readChart(live)).toEqual(expected);
		expect(readChart(peer)).toEqual(expected);
		// A new change (the state vector moved on), not a rewind.
		expect(Y.encodeStateVector(live)).not.toEqual(before);
		expect(checkDocumentShape('chart', live)).toBeNull();
	});

	it('writes nothing when the content already matches', () => {
		const live = new Y.Doc();
		ensureChartSections(live);
		upsertChartEntry(live, 'allergies', ids.penicillin, penicillin);
		let updates = 0;
		live.on('update', () => updates++);
		restoreDocumentContent('chart', live, snapshotOf(live));
		expect(updates).toBe(0);
	});

	it('brings back old note text, marks and template as a new change', () => {
		const live = new Y.Doc();
		live.getXmlFragment('default').insert(0, [paragraph('Patient reports cough', { bold: {} }), paragraph('Plan: rest')]);
		live.getMap('meta').set('template', 'soap');
		const version = snapshotOf(live);
		const peer = snapshotOf(live);
		live.on('update', (update: Uint8Array) => Y.applyUpdate(peer, update));

		live.getXmlFragment('default').delete(0, 1);
		live.getXmlFragment('default').insert(1, [paragraph('Follow up in 2 weeks')]);
		live.getMap('meta').set('template', 'progress');

		restoreDocumentContent('note', live, version);
		expect(live.getXmlFragment('default').toString()).toBe(version.getXmlFragment('default').toString());
		expect(live.getXmlFragment('default').toString()).toContain('<bold>Patient reports cough</bold>');
		expect(peer.getXmlFragment('default').toString()).toBe(version.getXmlFragment('default').toString());
		expect(live.getMap('meta').get('template')).toBe('soap');
	});

	it('restores plans and annotations', () => {
		const live = new Y.Doc();
		initializePlanDocument(live, { title: 'Diabetes plan', startDate: '2026-06-01' });
		upsertPlanGoal(live, ids.goal, { description: 'Lower A1c', measure: 'hba1c', unit: '%', baseline: 8.1, target: 7, direction: 'decrease', targetDate: '2026-12-01' });
		setReviewDates(live, ['2026-09-01']);
		const version = snapshotOf(live);
		upsertPlanGoal(live, ids.goal, { target: 6.5 });
		setReviewDates(live, ['2026-10-01', '2026-11-01']);
		restoreDocumentContent('plan', live, version);
		expect(readPlan(live)).toEqual(readPlan(version));

		const annotations = new Y.Doc();
		const annotation = buildAnnotation({ id: ids.annotation, documentId: ids.document, creator: { id: 'u1', name: 'Dr. Chen' }, motivation: 'commenting', text: 'Low potassium', region: { page: 1, x: 1, y: 2, width: 3, height: 4 } });
		const empty = snapshotOf(annotations);
		addAnnotation(annotations, annotation);
		const withOne = snapshotOf(annotations);
		restoreDocumentContent('annotations', annotations, empty);
		expect(readAnnotations(annotations)).toEqual([]);
		restoreDocumentContent('annotations', annotations, withOne);
		expect(readAnnotations(annotations)).toEqual([annotation]);
	});
});
