/**
 * The text of a consult note (`note:<encounterId>`) as the record keeps it: read from the
 * collaboration log (latest snapshot plus the rows after it — every row there is one the
 * server acknowledged, so what an editor saw as saved), and flattened to lines for the visit
 * page and its PDF. Formatting is dropped; structure is kept as plain-text conventions (list
 * bullets and numbers, table cells separated by " | ").
 */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Database } from '../../../../db/client';
import { docSnapshots, docUpdates } from '../../../../db/schema/index';
import { documentName } from '../../collab/document-names';

/** One line of a note: its text and how deep in lists/quotes it sits (for indenting). */
export interface NoteLine {
	text: string;
	depth: number;
	/** 'heading' lines print larger; everything else is body text. */
	style: 'heading' | 'body';
}

/** The note as stored; an empty array when nobody wrote in it. */
export async function readNoteLines(db: Database, encounterId: string): Promise<NoteLine[]> {
	const name = documentName({ kind: 'note', encounterId });
	const [snapshot] = await db.select().from(docSnapshots).where(eq(docSnapshots.documentName, name));
	const rows = await db
		.select({ update: docUpdates.update })
		.from(docUpdates)
		.where(and(eq(docUpdates.documentName, name), gt(docUpdates.seq, snapshot?.uptoSeq ?? 0)))
		.orderBy(asc(docUpdates.seq));
	if (!snapshot && rows.length === 0) return [];
	const doc = new Y.Doc();
	try {
		doc.transact(() => {
			if (snapshot) Y.applyUpdate(doc, snapshot.state);
			for (const row of rows) Y.applyUpdate(doc, row.update);
		});
		return noteLines(doc);
	} finally {
		doc.destroy();
	}
}

/** The note's blocks as lines, in document order; trailing and repeated empty lines dropped. */
export function noteLines(doc: Y.Doc): NoteLine[] {
	const lines: NoteLine[] = [];
	for (const node of doc.getXmlFragment('default').toArray()) walkBlock(node, 0, lines, '');
	// An empty editor holds one empty paragraph; blank runs read as one blank line.
	const out: NoteLine[] = [];
	for (const line of lines) {
		if (line.text.trim() === '' && (out.length === 0 || out.at(-1)!.text.trim() === '')) continue;
		out.push(line);
	}
	while (out.length > 0 && out.at(-1)!.text.trim() === '') out.pop();
	return out;
}

/** The note as one string (lines joined with newlines), e.g. for search and tests. */
export function noteLinesToText(lines: readonly NoteLine[]): string {
	return lines.map((l) => `${'  '.repeat(l.depth)}${l.text}`).join('\n');
}

function walkBlock(node: Y.XmlElement | Y.XmlText | Y.XmlHook, depth: number, out: NoteLine[], prefix: string): void {
	if (node instanceof Y.XmlText) {
		out.push({ text: prefix + inlineText(node), depth, style: 'body' });
		return;
	}
	if (!(node instanceof Y.XmlElement)) return;
	const children = node.toArray();
	switch (node.nodeName) {
		case 'paragraph':
		case 'codeBlock':
			out.push({ text: prefix + inlineOf(children), depth, style: 'body' });
			return;
		case 'heading':
			out.push({ text: prefix + inlineOf(children), depth, style: 'heading' });
			return;
		case 'horizontalRule':
			out.push({ text: '———', depth, style: 'body' });
			return;
		case 'bulletList':
		case 'orderedList': {
			const start = Number(node.getAttribute('start') ?? 1) || 1;
			children.forEach((item, index) => {
				const marker = node.nodeName === 'bulletList' ? '• ' : `${start + index}. `;
				walkListItem(item, depth, out, marker);
			});
			return;
		}
		case 'blockquote':
			for (const child of children) walkBlock(child, depth + 1, out, '');
			return;
		case 'table':
			for (const row of children) {
				if (!(row instanceof Y.XmlElement)) continue;
				const cells = row.toArray().map((cell) => (cell instanceof Y.XmlElement ? blockText(cell) : ''));
				out.push({ text: cells.join(' | '), depth, style: 'body' });
			}
			return;
		default:
			for (const child of children) walkBlock(child, depth, out, '');
	}
}

/** A list item: its first block carries the marker, the rest (nested lists too) sit one deeper. */
function walkListItem(item: Y.XmlElement | Y.XmlText | Y.XmlHook, depth: number, out: NoteLine[], marker: string): void {
	if (!(item instanceof Y.XmlElement)) return walkBlock(item, depth, out, marker);
	item.toArray().forEach((child, index) => walkBlock(child, index === 0 ? depth : depth + 1, out, index === 0 ? marker : ''));
}

/** All text inside a block, blocks joined by spaces (table cells). */
function blockText(node: Y.XmlElement): string {
	const lines: NoteLine[] = [];
	for (const child of node.toArray()) walkBlock(child, 0, lines, '');
	return lines.map((l) => l.text).join(' ').trim();
}

function inlineOf(children: (Y.XmlElement | Y.XmlText | Y.XmlHook)[]): string {
	return children.map((child) => (child instanceof Y.XmlText ? inlineText(child) : child instanceof Y.XmlElement && child.nodeName === 'hardBreak' ? ' ' : '')).join('');
}

/** The characters only: toString() would render marks as tags. */
function inlineText(text: Y.XmlText): string {
	return (text.toDelta() as { insert: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

/**
 * The first words of several notes at once (the visit list): encounterId → excerpt, only for
 * notes with text. Two queries for the whole list, whatever its length.
 */
export async function readNoteExcerpts(db: Database, encounterIds: readonly string[], maxChars = 280): Promise<Map<string, string>> {
	const excerpts = new Map<string, string>();
	if (encounterIds.length === 0) return excerpts;
	const names = encounterIds.map((encounterId) => documentName({ kind: 'note', encounterId }));
	const [snapshots, updates] = await Promise.all([
		db.select().from(docSnapshots).where(inArray(docSnapshots.documentName, names)),
		db
			.select({ documentName: docUpdates.documentName, seq: docUpdates.seq, update: docUpdates.update })
			.from(docUpdates)
			.where(inArray(docUpdates.documentName, names))
			.orderBy(asc(docUpdates.seq))
	]);
	const snapshotOf = new Map(snapshots.map((s) => [s.documentName, s]));
	const tails = new Map<string, Uint8Array[]>();
	for (const row of updates) {
		if (row.seq <= (snapshotOf.get(row.documentName)?.uptoSeq ?? 0)) continue;
		tails.set(row.documentName, [...(tails.get(row.documentName) ?? []), row.update]);
	}
	encounterIds.forEach((encounterId, index) => {
		const name = names[index]!;
		const snapshot = snapshotOf.get(name);
		const tail = tails.get(name) ?? [];
		if (!snapshot && tail.length === 0) return;
		const doc = new Y.Doc();
		try {
			doc.transact(() => {
				if (snapshot) Y.applyUpdate(doc, snapshot.state);
				for (const update of tail) Y.applyUpdate(doc, update);
			});
			const text = noteLines(doc)
				.map((l) => l.text.trim())
				.filter((t) => t !== '')
				.join(' ');
			if (text !== '') excerpts.set(encounterId, text.length > maxChars ? `${text.slice(0, maxChars).trimEnd()}…` : text);
		} finally {
			doc.destroy();
		}
	});
	return excerpts;
}
