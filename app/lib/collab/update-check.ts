import * as Y from 'yjs';
import type { CollabDocumentKind } from './document-names';
import { rootLayout } from './document-roots';
import { checkNoteAttributeValue, checkNoteMarkValue, isNoteAttributeKey, isNoteMarkKey, isNoteNodeName, noteMetaKeys } from './note-shape';

/**
 * The stateless first look at an update a client sent, before it touches any document: it may
 * only write into the kind's own root parts, and a note update may only carry the editor's
 * nodes, marks and attributes. It reads the update alone (no document), so it sees an item's
 * parent only where the update names it — a new root or a new key always is named, which is
 * what matters; content reached through an existing item is judged by its own type.
 */
export function checkUpdateRoots(kind: CollabDocumentKind, update: Uint8Array): string | null {
	let structs: (Y.Item | Y.GC | Y.Skip)[];
	try {
		structs = Y.decodeUpdate(update).structs;
	} catch {
		return 'The update could not be read.';
	}
	for (const struct of structs) {
		if (!(struct instanceof Y.Item)) continue;
		const reason = checkItem(kind, struct);
		if (reason) return reason;
	}
	return null;
}

/** Yjs types `parent` for integrated items; a decoded item's parent is the root's name or an id. */
type DecodedParent = Y.AbstractType<unknown> | Y.ID | string | null;

function checkItem(kind: CollabDocumentKind, item: Y.Item): string | null {
	const { parentSub, content } = item;
	const parent = item.parent as DecodedParent;
	if (typeof parent === 'string') {
		const layout = rootLayout(kind, parent);
		if (!layout) return `This document has no part called "${parent.slice(0, 40)}".`;
		if ((layout === 'map') !== (parentSub !== null)) return `The ${parent} part was written in the wrong form.`;
	}
	// Sub-documents would smuggle whole documents past every check.
	if (content instanceof Y.ContentDoc) return 'Embedded documents are not allowed.';
	if (content instanceof Y.ContentBinary) return 'Binary content is not allowed.';
	if (kind === 'note') return checkNoteItem(item);
	return null;
}

function checkNoteItem(item: Y.Item): string | null {
	const { parentSub, content } = item;
	const parent = item.parent as DecodedParent;
	if (content instanceof Y.ContentType) {
		const type = content.type;
		// XmlText first: it is not an XmlElement, but check the order against subclassing anyway.
		if (type instanceof Y.XmlText) return null;
		if (type instanceof Y.XmlElement && !(type instanceof Y.XmlHook)) {
			return isNoteNodeName(type.nodeName) ? null : `A note cannot contain a "${type.nodeName.slice(0, 40)}" element.`;
		}
		return 'A note can only contain text and editor elements.';
	}
	if (content instanceof Y.ContentFormat) {
		if (!isNoteMarkKey(content.key)) return `A note cannot use the "${content.key.slice(0, 40)}" format.`;
		return checkNoteMarkValue(content.key, content.value);
	}
	if (content instanceof Y.ContentEmbed || content instanceof Y.ContentJSON) return 'A note can only contain text and editor elements.';
	if (content instanceof Y.ContentAny && parentSub !== null) {
		const value = content.arr[content.arr.length - 1];
		if (parent === 'meta') {
			if (!(noteMetaKeys as readonly string[]).includes(parentSub)) return `The note has no setting called "${parentSub.slice(0, 40)}".`;
			return typeof value === 'string' && value.length <= 100 ? null : `The note setting "${parentSub}" must be a short text.`;
		}
		if (!isNoteAttributeKey(parentSub)) return `A note element cannot have the attribute "${parentSub.slice(0, 40)}".`;
		return checkNoteAttributeValue(parentSub, value);
	}
	return null;
}
