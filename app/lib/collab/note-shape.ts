/**
 * What a `note:<encounterId>` document may contain: exactly what Tiptap StarterKit 3.31 and
 * TableKit produce (read from the installed extensions; note-shape.test.ts compares these lists
 * with the real editor schema, so an upgrade that adds a node fails a test, not a clinic).
 *   default : Y.XmlFragment (Tiptap Collaboration's field) — ProseMirror nodes as Y.XmlElement,
 *             text as Y.XmlText whose formats are marks
 *   meta    : Y.Map {template: string}
 * The collaboration server checks every update against these lists (document-shape.ts), so an
 * injected `<script>` element or an unknown mark never reaches another clinician's editor.
 */

export { noteTemplates, type NoteTemplate, type NoteJson } from './note-templates';

/** Element node names (the `doc` node is the fragment itself; `text` is Y.XmlText). */
export const noteNodeNames = [
	'paragraph',
	'heading',
	'blockquote',
	'bulletList',
	'orderedList',
	'listItem',
	'codeBlock',
	'hardBreak',
	'horizontalRule',
	'table',
	'tableRow',
	'tableHeader',
	'tableCell'
] as const;
export type NoteNodeName = (typeof noteNodeNames)[number];

export const noteMarkNames = ['bold', 'italic', 'strike', 'underline', 'code', 'link'] as const;
export type NoteMarkName = (typeof noteMarkNames)[number];

/** Node attributes y-tiptap stores on each element (null attributes are not stored). */
export const noteNodeAttributes: Readonly<Partial<Record<NoteNodeName, readonly string[]>>> = {
	heading: ['level'],
	codeBlock: ['language'],
	orderedList: ['start', 'type'],
	tableHeader: ['colspan', 'rowspan', 'colwidth', 'align'],
	tableCell: ['colspan', 'rowspan', 'colwidth', 'align']
};

export const noteMarkAttributes: Readonly<Partial<Record<NoteMarkName, readonly string[]>>> = {
	link: ['href', 'target', 'rel', 'class', 'title']
};

export const noteAttributeKeys: readonly string[] = [...new Set(Object.values(noteNodeAttributes).flat())];

/** Keys of the note's `meta` map. */
export const noteMetaKeys = ['template'] as const;

const nodeNames: ReadonlySet<string> = new Set(noteNodeNames);
const markNames: ReadonlySet<string> = new Set(noteMarkNames);
const attributeKeys: ReadonlySet<string> = new Set(noteAttributeKeys);

export function isNoteNodeName(name: string): name is NoteNodeName {
	return nodeNames.has(name);
}

/** y-tiptap stores marks that may overlap themselves as `<name>--<8-character hash>`. */
const hashedMarkName = /^(.*)--[a-zA-Z0-9+/=]{8}$/;

export function noteMarkNameOf(formatKey: string): string {
	return hashedMarkName.exec(formatKey)?.[1] ?? formatKey;
}

export function isNoteMarkKey(formatKey: string): boolean {
	return markNames.has(noteMarkNameOf(formatKey));
}

export function isNoteAttributeKey(key: string): boolean {
	return attributeKeys.has(key);
}

const safeLink = /^(https?:\/\/|mailto:|tel:)/i;

/** A plain-words reason when a node attribute's value is not one the editor would write. */
export function checkNoteAttributeValue(key: string, value: unknown): string | null {
	const fine = (() => {
		switch (key) {
			case 'level':
				return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 6;
			case 'colspan':
			case 'rowspan':
			case 'start':
				return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10_000;
			case 'colwidth':
				return value === null || (Array.isArray(value) && value.length <= 100 && value.every((width) => typeof width === 'number' && Number.isFinite(width)));
			case 'align':
				return value === null || value === 'left' || value === 'center' || value === 'right';
			case 'language':
			case 'type':
				return value === null || (typeof value === 'string' && /^[\w+#.-]{0,40}$/.test(value));
			default:
				return false;
		}
	})();
	return fine ? null : `The note attribute "${key.slice(0, 40)}" has a value the editor would not write.`;
}

/** Mark values: null removes a mark; a link must point at the web, an address or a phone. */
export function checkNoteMarkValue(formatKey: string, value: unknown): string | null {
	if (value === null) return null;
	if (typeof value !== 'object' || Array.isArray(value)) return `The note mark "${formatKey.slice(0, 40)}" has a value the editor would not write.`;
	const markName = noteMarkNameOf(formatKey) as NoteMarkName;
	const allowed = new Set(noteMarkAttributes[markName] ?? []);
	for (const [key, attribute] of Object.entries(value)) {
		if (!allowed.has(key)) return `The note mark "${markName}" has an unknown attribute "${key.slice(0, 40)}".`;
		if (attribute !== null && typeof attribute !== 'string') return `The note mark "${markName}" has a value the editor would not write.`;
	}
	if (markName === 'link') {
		const href = (value as { href?: unknown }).href;
		if (typeof href !== 'string' || !safeLink.test(href.trim())) return 'A link in the note must start with http://, https://, mailto: or tel:.';
	}
	return null;
}
