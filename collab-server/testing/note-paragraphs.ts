/**
 * The smallest valid edit of a clinical note (`note:<encounterId>`): a paragraph with a unique
 * text in the Tiptap fragment `default`, as the editor would write it. Tests record which
 * paragraphs were confirmed and look for them in the stored document.
 */
import * as Y from 'yjs';

export const noteFragment = 'default';

/** Inserts `<paragraph>text</paragraph>` at `index` (clamped to the fragment's length). */
export function insertParagraph(doc: Y.Doc, text: string, index = Number.MAX_SAFE_INTEGER): void {
	const fragment = doc.getXmlFragment(noteFragment);
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [new Y.XmlText(text)]);
	fragment.insert(Math.min(index, fragment.length), [paragraph]);
}

/** The texts of the note's paragraphs, in document order. */
export function paragraphTexts(doc: Y.Doc): string[] {
	const texts: string[] = [];
	for (const node of doc.getXmlFragment(noteFragment).toArray()) {
		if (node instanceof Y.XmlElement) texts.push(node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : '')).join(''));
	}
	return texts;
}
