import { describe, expect, it } from 'vitest';
import { getSchema, type JSONContent } from '@tiptap/core';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { noteContentExtensions } from './note-extensions';
import { applyNoteTemplate, isNoteEmpty } from './note-template';

const schema = getSchema(noteContentExtensions());

function template(id: string, heading: string): { id: string; content: JSONContent } {
	return {
		id,
		content: {
			type: 'doc',
			content: [
				{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: heading }] },
				{ type: 'paragraph' }
			]
		}
	};
}

const soap = template('soap', 'Subjective');
const progress = template('progress', 'Interval history');

function textOf(doc: Y.Doc): string {
	return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment('default'), schema).textContent;
}

/** Two replicas connected the way the server relays: every local update reaches the other. */
function connectedPair(): [Y.Doc, Y.Doc] {
	const a = new Y.Doc();
	const b = new Y.Doc();
	a.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, update, 'remote'));
	b.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, update, 'remote'));
	return [a, b];
}

function sync(a: Y.Doc, b: Y.Doc): void {
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote');
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), 'remote');
}

describe('isNoteEmpty', () => {
	it('counts a note of empty paragraphs as empty, and any text or other block as content', () => {
		const doc = new Y.Doc();
		const fragment = doc.getXmlFragment('default');
		expect(isNoteEmpty(fragment)).toBe(true);
		const paragraph = new Y.XmlElement('paragraph');
		fragment.insert(0, [paragraph]);
		const text = new Y.XmlText();
		paragraph.insert(0, [text]);
		expect(isNoteEmpty(fragment)).toBe(true);
		text.insert(0, 'BP 128/82');
		expect(isNoteEmpty(fragment)).toBe(false);
		text.delete(0, text.length);
		expect(isNoteEmpty(fragment)).toBe(true);
		fragment.insert(1, [new Y.XmlElement('horizontalRule')]);
		expect(isNoteEmpty(fragment)).toBe(false);
	});
});

describe('applyNoteTemplate', () => {
	it('fills an empty note and records the template', () => {
		const doc = new Y.Doc();
		expect(applyNoteTemplate(doc, schema, soap)).not.toBeNull();
		expect(textOf(doc)).toBe('Subjective');
		expect(doc.getMap('meta').get('template')).toBe('soap');
	});

	it('refuses once the note has text, and writes nothing', () => {
		const [a, b] = connectedPair();
		expect(applyNoteTemplate(a, schema, soap)).not.toBeNull();
		// B saw A's template arrive before pressing the button.
		expect(applyNoteTemplate(b, schema, progress)).toBeNull();
		expect(textOf(a)).toBe('Subjective');
		expect(textOf(b)).toBe('Subjective');
		expect(b.getMap('meta').get('template')).toBe('soap');
	});

	it('keeps one template when two choices cross on the wire', () => {
		for (const [first, second] of [
			[soap, progress],
			[progress, soap],
			[soap, soap]
		] as const) {
			const a = new Y.Doc();
			const b = new Y.Doc();
			const claimA = applyNoteTemplate(a, schema, first);
			const claimB = applyNoteTemplate(b, schema, second);
			expect(claimA).not.toBeNull();
			expect(claimB).not.toBeNull();
			sync(a, b);
			// The loser's removal is a new change; it reaches the winner like any other.
			sync(a, b);
			const winner = a.getMap('meta').get('template');
			expect(b.getMap('meta').get('template')).toBe(winner);
			const expected = winner === 'soap' ? 'Subjective' : 'Interval history';
			expect(textOf(a)).toBe(expected);
			expect(textOf(b)).toBe(expected);
			expect(a.getXmlFragment('default').length).toBe(2);
		}
	});

	it('leaves a template alone when someone replaces it knowingly later', () => {
		const [a, b] = connectedPair();
		applyNoteTemplate(a, schema, soap);
		// B clears the note and starts over with another template; A keeps B's choice.
		const fragment = b.getXmlFragment('default');
		b.transact(() => fragment.delete(0, fragment.length));
		expect(applyNoteTemplate(b, schema, progress)).not.toBeNull();
		expect(textOf(a)).toBe('Interval history');
		expect(a.getMap('meta').get('template')).toBe('progress');
	});

	it('throws before writing when the template does not fit the note schema', () => {
		const doc = new Y.Doc();
		expect(() => applyNoteTemplate(doc, schema, { id: 'bad', content: { type: 'doc', content: [{ type: 'image' }] } })).toThrow();
		expect(doc.getXmlFragment('default').length).toBe(0);
		expect(doc.getMap('meta').has('template')).toBe(false);
	});
});
