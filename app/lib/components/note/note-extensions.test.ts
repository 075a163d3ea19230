import { describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import * as Y from 'yjs';
import { checkDocumentShape } from '$lib/collab/document-shape';
import { noteMarkNames, noteNodeAttributes, noteNodeNames, noteTemplates } from '$lib/collab/note-shape';
import { noteContentExtensions } from './note-extensions';
import { applyNoteTemplate } from './note-template';

// The editor's own schema, as configured for the clinic: it must be the one the server allows.
const schema = getSchema(noteContentExtensions());

describe('the note editor schema', () => {
	it('has exactly the nodes and marks the collaboration server allows in a note', () => {
		expect(Object.keys(schema.nodes).filter((name) => name !== 'doc' && name !== 'text').sort()).toEqual([...noteNodeNames].sort());
		expect(Object.keys(schema.marks).sort()).toEqual([...noteMarkNames].sort());
		for (const name of noteNodeNames) {
			expect(Object.keys(schema.nodes[name]!.spec.attrs ?? {}).sort(), name).toEqual([...(noteNodeAttributes[name] ?? [])].sort());
		}
	});

	it.each(noteTemplates.map((t) => [t.label, t] as const))('writes the %s template into an empty note, in a shape the server accepts', (_label, template) => {
		const doc = new Y.Doc();
		expect(applyNoteTemplate(doc, schema, template)).not.toBeNull();
		expect(doc.getMap('meta').get('template')).toBe(template.id);
		expect(doc.getXmlFragment('default').length).toBe(template.content.content?.length);
		expect(checkDocumentShape('note', doc)).toBeNull();
	});
});
