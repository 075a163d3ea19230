import { describe, expect, it } from 'vitest';
import { documentName, parseDocumentName } from './document-names';

const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('parseDocumentName', () => {
	it('reads each kind of document', () => {
		expect(parseDocumentName(`chart:${id}`)).toEqual({ kind: 'chart', patientId: id });
		expect(parseDocumentName(`note:${id}`)).toEqual({ kind: 'note', encounterId: id });
		expect(parseDocumentName(`plan:${id}`)).toEqual({ kind: 'plan', planId: id });
		expect(parseDocumentName(`annotations:${id}`)).toEqual({ kind: 'annotations', documentId: id });
	});

	it.each([
		['uppercase id', `chart:${id.toUpperCase()}`],
		['unknown kind', `consult:${id}`],
		['no kind', id],
		['empty', ''],
		['trailing text', `chart:${id}:x`],
		['leading space', ` chart:${id}`],
		['trailing newline', `chart:${id}\n`],
		['short id', 'chart:3f2504e0-4f89-41d3-9a0c-0305e82c330'],
		['braces', `chart:{${id}}`],
		['kind case', `Chart:${id}`],
		['path tricks', `chart:../${id}`]
	])('refuses %s', (_label, name) => {
		expect(parseDocumentName(name)).toBeNull();
	});
});

describe('documentName', () => {
	it('round-trips with parseDocumentName', () => {
		for (const name of [`chart:${id}`, `note:${id}`, `plan:${id}`, `annotations:${id}`]) {
			expect(documentName(parseDocumentName(name)!)).toBe(name);
		}
	});

	it('throws on an id that would not parse back', () => {
		expect(() => documentName({ kind: 'chart', patientId: 'ABC' })).toThrow();
	});
});
