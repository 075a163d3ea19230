import type * as Y from 'yjs';
import { addAnnotation, annotationRegion, buildAnnotation, readAnnotations, removeAnnotation, type AnnotationTool, type WebAnnotation } from '$lib/collab/annotation-shape';
import { svgShapeBounds, type PageRegion, type SvgShape } from '$lib/collab/annotation-selector';

/**
 * The annotations of one report as the viewer reads and writes them: plain values re-read on
 * every change that reaches this tab, and the few ways to add one. Writing goes through
 * annotation-shape (validated before it is written; the collab server checks again).
 */
export class AnnotationLayer {
	annotations = $state.raw<WebAnnotation[]>([]);
	#doc: Y.Doc;
	#documentId: string;
	#stop: () => void;

	constructor(doc: Y.Doc, documentId: string) {
		this.#doc = doc;
		this.#documentId = documentId;
		this.annotations = readAnnotations(doc);
		const refresh = () => (this.annotations = readAnnotations(doc));
		doc.on('update', refresh);
		this.#stop = () => doc.off('update', refresh);
	}

	onPage(page: number): WebAnnotation[] {
		return this.annotations.filter((annotation) => annotationRegion(annotation)?.page === page);
	}

	add(draft: { tool: AnnotationTool; creator: { id: string; name: string }; page: number; region?: PageRegion; shape?: SvgShape; text?: string }): WebAnnotation {
		const text = (draft.text ?? '').trim();
		const region = draft.shape ? svgShapeBounds(draft.shape, draft.page) : draft.region;
		if (!region) throw new RangeError('An annotation needs a place on the page.');
		const annotation = buildAnnotation({
			id: crypto.randomUUID(),
			documentId: this.#documentId,
			creator: draft.creator,
			motivation: text || draft.tool === 'comment' ? 'commenting' : 'highlighting',
			text,
			region,
			shape: draft.shape
		});
		addAnnotation(this.#doc, annotation);
		return annotation;
	}

	remove(id: string): void {
		removeAnnotation(this.#doc, id);
	}

	destroy(): void {
		this.#stop();
	}
}

/** A steady colour per author (the same on every screen), dark enough for text on white. */
export function authorColor(creatorId: string): string {
	let hash = 0;
	for (const char of creatorId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	const palette = ['#b3261e', '#1f5fa8', '#2e7d32', '#8e24aa', '#b45309', '#00796b', '#5d4037', '#c2185b'];
	return palette[hash % palette.length]!;
}

export function initials(name: string): string {
	const words = name
		.replace(/^(dr|mr|mrs|ms)\.?\s+/i, '')
		.split(/\s+/)
		.filter((word) => /\p{L}/u.test(word));
	return ((words[0]?.[0] ?? '?') + (words.length > 1 ? (words[words.length - 1]![0] ?? '') : '')).toUpperCase();
}
