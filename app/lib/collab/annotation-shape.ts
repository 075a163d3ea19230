import * as Y from 'yjs';
import { z } from 'zod';
import { isLowercaseUuid } from './document-names';
import { formatPageRegion, formatSvgShape, parsePageRegion, parseSvgShape, svgShapeWithin, type PageRegion, type SvgShape } from './annotation-selector';
import { jsonCopy, jsonEqual } from './plain-json';
import { describeShapeError, ShapeError } from './shape-issues';

/**
 * The `annotations:<documentId>` document: root Y.Map `annotations` of annotationId (a bare
 * lowercase UUID) → one W3C Web Annotation (https://www.w3.org/TR/annotation-model/) as a plain
 * JSON value. An annotation is replaced whole, never merged field by field: it is one person's
 * remark, not shared prose.
 *
 * Four tools make four kinds, told apart by motivation and selector:
 *  - highlight: motivation 'highlighting', a page region (FragmentSelector);
 *  - text comment: motivation 'commenting', a page region and a TextualBody;
 *  - rectangle and freehand ink: the page region refined by an SvgSelector (a `<rect>` or a
 *    `<path>` of plain numbers, see annotation-selector.ts) that lies within it; motivation
 *    'highlighting', or 'commenting' when they carry a comment.
 * Every annotation names its creator; the collab server refuses one written in another's name.
 */

export const annotationContext = 'http://www.w3.org/ns/anno.jsonld';
export const annotationMotivations = ['commenting', 'highlighting', 'tagging'] as const;
export const annotationBodyMaxLength = 5000;
const fragmentSelectorSpec = 'http://www.w3.org/TR/media-frags/';
const documentSourcePrefix = 'urn:clinicsync:document:';

export function annotationSource(documentId: string): string {
	return `${documentSourcePrefix}${documentId}`;
}

const uuidUrn = z.string().refine((value) => value.startsWith('urn:uuid:') && isLowercaseUuid(value.slice(9)), 'must be urn:uuid: and a lowercase UUID');

export const textualBodySchema = z.strictObject({
	type: z.literal('TextualBody'),
	value: z.string().min(1).max(annotationBodyMaxLength),
	format: z.literal('text/plain').optional(),
	purpose: z.enum(annotationMotivations).optional(),
	language: z.string().min(2).max(35).optional()
});

export const svgSelectorSchema = z.strictObject({
	type: z.literal('SvgSelector'),
	value: z.string().refine((value) => parseSvgShape(value) !== null, 'must be one <path d="M x y L x y …"/> or <rect x y width height/> of plain numbers')
});

export const fragmentSelectorSchema = z
	.strictObject({
		type: z.literal('FragmentSelector'),
		conformsTo: z.literal(fragmentSelectorSpec),
		value: z.string().refine((value) => parsePageRegion(value) !== null, 'must be page=<n>&xywh=<x>,<y>,<w>,<h> in points'),
		refinedBy: svgSelectorSchema.optional()
	})
	.refine((selector) => {
		if (!selector.refinedBy) return true;
		const region = parsePageRegion(selector.value);
		const shape = parseSvgShape(selector.refinedBy.value);
		return region === null || shape === null || svgShapeWithin(shape, region);
	}, 'refinedBy must lie within the page region');

export const webAnnotationSchema = z.strictObject({
	'@context': z.literal(annotationContext),
	id: uuidUrn,
	type: z.literal('Annotation'),
	creator: z.strictObject({ id: z.string().min(1).max(200), name: z.string().min(1).max(200) }),
	created: z.iso.datetime({ offset: true }),
	motivation: z.enum(annotationMotivations),
	body: z.array(textualBodySchema).max(20),
	target: z.strictObject({
		source: z.string().refine((value) => value.startsWith(documentSourcePrefix) && isLowercaseUuid(value.slice(documentSourcePrefix.length)), 'must name a stored document'),
		selector: fragmentSelectorSchema
	})
});

export type WebAnnotation = z.infer<typeof webAnnotationSchema>;
export type AnnotationMotivation = (typeof annotationMotivations)[number];

export interface AnnotationDraft {
	id: string;
	documentId: string;
	creator: { id: string; name: string };
	motivation: AnnotationMotivation;
	/** Comment or tag text; empty for a bare highlight. */
	text: string;
	region: PageRegion;
	/** The outline of a rectangle or ink stroke within `region`; none for a highlight or a comment. */
	shape?: SvgShape;
	created?: Date;
}

export type AnnotationTool = 'highlight' | 'comment' | 'rectangle' | 'ink';

export function buildAnnotation(draft: AnnotationDraft): WebAnnotation {
	return {
		'@context': annotationContext,
		id: `urn:uuid:${draft.id}`,
		type: 'Annotation',
		creator: { id: draft.creator.id, name: draft.creator.name },
		created: (draft.created ?? new Date()).toISOString(),
		motivation: draft.motivation,
		body: draft.text ? [{ type: 'TextualBody', value: draft.text, format: 'text/plain', purpose: draft.motivation }] : [],
		target: {
			source: annotationSource(draft.documentId),
			selector: {
				type: 'FragmentSelector',
				conformsTo: fragmentSelectorSpec,
				value: formatPageRegion(draft.region),
				...(draft.shape ? { refinedBy: { type: 'SvgSelector' as const, value: formatSvgShape(draft.shape) } } : {})
			}
		}
	};
}

/** The rectangle or ink outline of an annotation, if it has one. */
export function annotationShape(annotation: WebAnnotation): SvgShape | null {
	const refinedBy = annotation.target.selector.refinedBy;
	return refinedBy ? parseSvgShape(refinedBy.value) : null;
}

/** Which tool made it: the shape's kind, else a comment or a highlight by motivation. */
export function annotationTool(annotation: WebAnnotation): AnnotationTool {
	const shape = annotationShape(annotation);
	if (shape) return shape.kind;
	return annotation.motivation === 'commenting' ? 'comment' : 'highlight';
}

/** The comment text of an annotation ('' for none). */
export function annotationText(annotation: WebAnnotation): string {
	return annotation.body.map((body) => body.value).join('\n');
}

/** The page region an annotation points at (null only for a malformed annotation). */
export function annotationRegion(annotation: WebAnnotation): PageRegion | null {
	return parsePageRegion(annotation.target.selector.value);
}

export const annotationsMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('annotations');

/** Map keys are bare UUIDs; callers may pass either that or the annotation's `urn:uuid:` id. */
function annotationKey(id: string): string {
	return id.startsWith('urn:uuid:') ? id.slice(9) : id;
}

export function addAnnotation(doc: Y.Doc, annotation: WebAnnotation): void {
	const parsed = webAnnotationSchema.safeParse(annotation);
	if (!parsed.success) throw new ShapeError(describeShapeError('Annotation', parsed.error, annotation));
	const map = annotationsMap(doc);
	const key = annotationKey(parsed.data.id);
	if (jsonEqual(map.get(key), parsed.data)) return;
	doc.transact(() => map.set(key, jsonCopy(parsed.data)));
}

export function removeAnnotation(doc: Y.Doc, id: string): void {
	const map = annotationsMap(doc);
	const key = annotationKey(id);
	if (map.has(key)) doc.transact(() => map.delete(key));
}

/** Valid annotations, oldest first (ties by id, so every replica lists them alike). */
export function readAnnotations(doc: Y.Doc): WebAnnotation[] {
	const annotations: WebAnnotation[] = [];
	for (const value of annotationsMap(doc).values()) {
		const parsed = webAnnotationSchema.safeParse(value);
		if (parsed.success) annotations.push(parsed.data);
	}
	return annotations.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

export function checkAnnotationsShape(doc: Y.Doc): string | null {
	for (const [key, value] of annotationsMap(doc).entries()) {
		if (!isLowercaseUuid(key)) return `Annotation "${key.slice(0, 40)}" does not have a valid id (a lowercase UUID).`;
		const parsed = webAnnotationSchema.safeParse(value);
		if (!parsed.success) return describeShapeError(`Annotation ${key}`, parsed.error, value);
		if (parsed.data.id !== `urn:uuid:${key}`) return `Annotation ${key}: id does not match its key.`;
	}
	return null;
}

/** The annotations must all be about the document they are stored with. */
export function checkAnnotationsDocument(doc: Y.Doc, documentId: string): string | null {
	const source = annotationSource(documentId);
	for (const [key, value] of annotationsMap(doc).entries()) {
		const parsed = webAnnotationSchema.safeParse(value);
		if (parsed.success && parsed.data.target.source !== source) return `Annotation ${key}: target is another document.`;
	}
	return null;
}
