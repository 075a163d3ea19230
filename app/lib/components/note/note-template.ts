import type { JSONContent } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { prosemirrorToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/**
 * Starting a note from a template, when two people may press the button at the same moment.
 *
 * The check "is the note still empty?" and the write happen in one Yjs transaction, so nobody
 * fills a note they can already see text in. Two people whose choices cross on the wire both
 * pass that check, though, and a CRDT would merge both templates into one note. `meta.template`
 * settles it: concurrent writes to one Y.Map key have the same winner on every replica, so the
 * loser, on learning it lost, removes the blocks it inserted and the note holds one template.
 */

export interface TemplateClaim {
	/** Stop watching for a concurrent claim (the editor is going away). */
	release(): void;
}

/** Empty = only empty paragraphs: what an untouched editor, or one whose text was all deleted, holds. */
export function isNoteEmpty(fragment: Y.XmlFragment): boolean {
	return fragment.toArray().every(
		(block) =>
			block instanceof Y.XmlElement &&
			block.nodeName === 'paragraph' &&
			block.toArray().every((child) => child instanceof Y.XmlText && child.length === 0)
	);
}

/**
 * Writes the template into the note if it is still empty, and records its id in `meta.template`.
 * Returns null when the note was no longer empty (someone else's text or template came first).
 */
export function applyNoteTemplate(
	doc: Y.Doc,
	schema: Schema,
	template: { id: string; content: JSONContent },
	field = 'default'
): TemplateClaim | null {
	const fragment = doc.getXmlFragment(field);
	const meta = doc.getMap<unknown>('meta');
	// Built before the transaction: a template the schema refuses must throw before anything is written.
	const content = ProseMirrorNode.fromJSON(schema, template.content);
	let inserted: Y.XmlElement[] = [];
	let claim: Y.Item | undefined;
	doc.transact(() => {
		if (!isNoteEmpty(fragment)) return;
		// Fresh blocks only: reusing someone's empty paragraph would make it "ours" to remove.
		if (fragment.length > 0) fragment.delete(0, fragment.length);
		prosemirrorToYXmlFragment(content, fragment);
		inserted = fragment.toArray().filter((block): block is Y.XmlElement => block instanceof Y.XmlElement);
		meta.set('template', template.id);
		// Y.Map exposes no public "which write won"; its entry item is the stable way to ask.
		claim = meta._map.get('template');
	}, applyNoteTemplate);
	if (!claim) return null;
	const ours = claim;

	const onMetaChange = (event: Y.YMapEvent<unknown>, transaction: Y.Transaction) => {
		if (transaction.local || !event.keysChanged.has('template')) return;
		const winner = meta._map.get('template');
		if (winner === ours) {
			// A concurrent claim lost to ours: its writer removes its own blocks.
			return release();
		}
		release();
		// Written by someone who saw our template (it replaced ours knowingly): nothing to undo.
		if (winner?.origin && Y.compareIDs(winner.origin, ours.id)) return;
		doc.transact(() => {
			for (const block of inserted) {
				const index = fragment.toArray().indexOf(block);
				if (index >= 0) fragment.delete(index, 1);
			}
		}, applyNoteTemplate);
	};
	const release = () => meta.unobserve(onMetaChange);
	meta.observe(onMetaChange);
	return { release };
}
