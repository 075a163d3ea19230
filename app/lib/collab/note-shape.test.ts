import { describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TableKit } from '@tiptap/extension-table';
import { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { checkNoteAttributeValue, checkNoteMarkValue, isNoteMarkKey, noteMarkAttributes, noteMarkNames, noteNodeAttributes, noteNodeNames, noteTemplates } from './note-shape';

// The editor's schema as the installed Tiptap builds it: the lists must follow it exactly.
const schema = getSchema([StarterKit, TableKit]);

describe('note allowlists', () => {
	it('name exactly the element nodes and marks of StarterKit and TableKit', () => {
		const elementNodes = Object.keys(schema.nodes).filter((name) => name !== 'doc' && name !== 'text');
		expect([...noteNodeNames].sort()).toEqual(elementNodes.sort());
		expect([...noteMarkNames].sort()).toEqual(Object.keys(schema.marks).sort());
	});

	it('name exactly the attributes of each node and mark', () => {
		for (const [name, type] of Object.entries(schema.nodes)) {
			const attributes = Object.keys(type.spec.attrs ?? {});
			expect([...(noteNodeAttributes[name as keyof typeof noteNodeAttributes] ?? [])].sort(), name).toEqual(attributes.sort());
		}
		for (const [name, type] of Object.entries(schema.marks)) {
			expect([...(noteMarkAttributes[name as keyof typeof noteMarkAttributes] ?? [])].sort(), name).toEqual(Object.keys(type.spec.attrs ?? {}).sort());
		}
	});

	it('accept hashed mark keys of known marks only', () => {
		expect(isNoteMarkKey('bold')).toBe(true);
		expect(isNoteMarkKey('bold--AbCd12+/')).toBe(true);
		expect(isNoteMarkKey('script')).toBe(false);
		expect(isNoteMarkKey('script--AbCd12+/')).toBe(false);
	});

	it('check attribute and mark values', () => {
		expect(checkNoteAttributeValue('level', 2)).toBeNull();
		expect(checkNoteAttributeValue('level', 9)).not.toBeNull();
		expect(checkNoteAttributeValue('align', 'center')).toBeNull();
		expect(checkNoteAttributeValue('onclick', 'x')).not.toBeNull();
		expect(checkNoteMarkValue('bold', {})).toBeNull();
		expect(checkNoteMarkValue('link', { href: 'https://example.org', target: '_blank', rel: 'noopener', class: null, title: null })).toBeNull();
		expect(checkNoteMarkValue('link', { href: 'javascript:alert(1)' })).toMatch(/must start with/);
		expect(checkNoteMarkValue('link', { href: 'https://example.org', onclick: 'x' })).toMatch(/unknown attribute/);
	});
});

describe('note templates', () => {
	it('offer the five clinical structures', () => {
		expect(noteTemplates.map((t) => t.label)).toEqual(['SOAP note', 'History & Physical', 'Progress note', 'Procedure note', 'Telehealth visit']);
		expect(new Set(noteTemplates.map((t) => t.id)).size).toBe(noteTemplates.length);
	});

	it.each(noteTemplates.map((t) => [t.label, t] as const))('%s is a valid document for the editor', (_label, template) => {
		const node = ProseMirrorNode.fromJSON(schema, template.content);
		expect(() => node.check()).not.toThrow();
		expect(node.firstChild).not.toBeNull();
	});
});
