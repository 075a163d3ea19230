import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { formatPageRegion, formatSvgShape, parsePageRegion, parseSvgShape, svgShapeBounds, type SvgShape } from './annotation-selector';
import {
	addAnnotation,
	annotationRegion,
	annotationShape,
	annotationsMap,
	annotationText,
	annotationTool,
	buildAnnotation,
	checkAnnotationsDocument,
	checkAnnotationsShape,
	readAnnotations,
	removeAnnotation,
	webAnnotationSchema
} from './annotation-shape';
import { ShapeError } from './shape-issues';

const annotationId = 'c56a4180-65aa-42ec-a945-5fd21dec0538';
const documentId = '16fd2706-8baf-433b-82eb-8c7fada847da';
const creator = { id: 'urn:uuid:a3bb189e-8bf9-4888-9912-ace4e6543002', name: 'Dr. Lena Chen' };
const region = { page: 2, x: 72, y: 144.5, width: 200, height: 36.25 };

function draft() {
	return buildAnnotation({ id: annotationId, documentId, creator, motivation: 'commenting', text: 'Check this creatinine value', region, created: new Date('2026-06-01T10:00:00Z') });
}

describe('page region selector', () => {
	it('round-trips page-space coordinates', () => {
		expect(formatPageRegion(region)).toBe('page=2&xywh=72,144.5,200,36.25');
		expect(parsePageRegion('page=2&xywh=72,144.5,200,36.25')).toEqual(region);
		expect(formatPageRegion({ page: 1, x: 0.123456, y: 0, width: 1e-9, height: 10 })).toBe('page=1&xywh=0.12,0,0,10');
	});

	it.each(['page=0&xywh=1,2,3,4', 'page=1&xywh=-1,2,3,4', 'page=1&xywh=1,2,3', 'xywh=1,2,3,4', 'page=1&xywh=percent:1,2,3,4', 'page=1&xywh=1e3,2,3,4', ' page=1&xywh=1,2,3,4'])(
		'refuses %s',
		(value) => expect(parsePageRegion(value)).toBeNull()
	);

	it('refuses to format negative or non-finite coordinates', () => {
		expect(() => formatPageRegion({ ...region, x: -1 })).toThrow(RangeError);
		expect(() => formatPageRegion({ ...region, page: 1.5 })).toThrow(RangeError);
	});
});

describe('annotation shape', () => {
	it('builds a W3C Web Annotation', () => {
		const annotation = draft();
		expect(webAnnotationSchema.parse(annotation)).toEqual(annotation);
		expect(annotation).toMatchObject({
			'@context': 'http://www.w3.org/ns/anno.jsonld',
			id: `urn:uuid:${annotationId}`,
			type: 'Annotation',
			target: {
				source: `urn:clinicsync:document:${documentId}`,
				selector: { type: 'FragmentSelector', conformsTo: 'http://www.w3.org/TR/media-frags/', value: 'page=2&xywh=72,144.5,200,36.25' }
			}
		});
		expect(annotationRegion(annotation)).toEqual(region);
	});

	it('adds, reads and removes annotations', () => {
		const doc = new Y.Doc();
		addAnnotation(doc, draft());
		expect(readAnnotations(doc)).toEqual([draft()]);
		expect(checkAnnotationsShape(doc)).toBeNull();
		expect(checkAnnotationsDocument(doc, documentId)).toBeNull();
		expect(checkAnnotationsDocument(doc, annotationId)).toMatch(/another document/);
		removeAnnotation(doc, `urn:uuid:${annotationId}`);
		expect(readAnnotations(doc)).toEqual([]);
	});

	it('refuses an over-long comment before writing it', () => {
		const doc = new Y.Doc();
		const annotation = draft();
		annotation.body[0]!.value = 'x'.repeat(5001);
		expect(() => addAnnotation(doc, annotation)).toThrow(ShapeError);
		expect(annotationsMap(doc).size).toBe(0);
	});

	it.each([
		['a key that is not its id', (doc: Y.Doc) => annotationsMap(doc).set('00000000-0000-4000-8000-000000000000', draft()), /does not match its key/],
		['a script in the creator', (doc: Y.Doc) => annotationsMap(doc).set(annotationId, { ...draft(), creator: { ...creator, script: 'x' } }), /unknown field script/],
		['a bad selector', (doc: Y.Doc) => annotationsMap(doc).set(annotationId, { ...draft(), target: { ...draft().target, selector: { ...draft().target.selector, value: 'page=1' } } }), /target.selector.value must be page=/],
		['a plain string', (doc: Y.Doc) => annotationsMap(doc).set(annotationId, 'hello'), /must be an object/]
	])('names the problem with %s', (_label, forge, reason) => {
		const doc = new Y.Doc();
		forge(doc);
		expect(checkAnnotationsShape(doc)).toMatch(reason);
	});
});

describe('ink and rectangle annotations', () => {
	const ink: SvgShape = { kind: 'ink', points: [[72, 100], [80.5, 104.25], [95, 98]] };
	const rectangle = { kind: 'rectangle' as const, x: 60, y: 200, width: 120.5, height: 40 };

	it('round-trips an ink stroke and a rectangle through the SvgSelector', () => {
		expect(formatSvgShape(ink)).toBe('<path d="M 72 100 L 80.5 104.25 L 95 98"/>');
		expect(parseSvgShape(formatSvgShape(ink))).toEqual(ink);
		expect(formatSvgShape(rectangle)).toBe('<rect x="60" y="200" width="120.5" height="40"/>');
		expect(parseSvgShape(formatSvgShape(rectangle))).toEqual(rectangle);
		expect(svgShapeBounds(ink, 3)).toEqual({ page: 3, x: 72, y: 98, width: 23, height: 6.25 });
	});

	it('builds valid annotations that say which tool made them, each with its creator', () => {
		const stroke = buildAnnotation({ id: annotationId, documentId, creator, motivation: 'highlighting', text: '', region: svgShapeBounds(ink, 1), shape: ink });
		expect(webAnnotationSchema.safeParse(stroke).success).toBe(true);
		expect(stroke.target.selector.refinedBy).toEqual({ type: 'SvgSelector', value: '<path d="M 72 100 L 80.5 104.25 L 95 98"/>' });
		expect(annotationTool(stroke)).toBe('ink');
		expect(annotationShape(stroke)).toEqual(ink);
		expect(stroke.creator).toEqual(creator);
		const box = buildAnnotation({ id: annotationId, documentId, creator, motivation: 'commenting', text: 'Look here', region: svgShapeBounds(rectangle, 1), shape: rectangle });
		expect(annotationTool(box)).toBe('rectangle');
		expect(annotationText(box)).toBe('Look here');
		expect(annotationTool(draft())).toBe('comment');
		expect(annotationTool(buildAnnotation({ id: annotationId, documentId, creator, motivation: 'highlighting', text: '', region }))).toBe('highlight');
	});

	it.each([
		'<path d="M 1 2"/>',
		'<path d="M 1 2 L 3 4" onload="alert(1)"/>',
		'<path d="M 1 2 L 3 4"><script/></path>',
		'<path d="M 1 2 C 3 4 5 6 7 8"/>',
		'<path d="M -1 2 L 3 4"/>',
		'<path d="M 1e3 2 L 3 4"/>',
		'<rect x="1" y="2" width="3"/>',
		'<rect x="1" y="2" width="3" height="4" style="fill:url(http://x)"/>',
		'<svg xmlns="http://www.w3.org/2000/svg"><rect x="1" y="2" width="3" height="4"/></svg>',
		'<image href="http://example.com/x.png"/>'
	])('refuses the SVG %s', (value) => {
		expect(parseSvgShape(value)).toBeNull();
		const annotation = buildAnnotation({ id: annotationId, documentId, creator, motivation: 'highlighting', text: '', region: { page: 1, x: 0, y: 0, width: 500, height: 500 }, shape: rectangle });
		annotation.target.selector.refinedBy!.value = value;
		expect(webAnnotationSchema.safeParse(annotation).success).toBe(false);
	});

	it('refuses a shape outside its page region, and an unknown selector field', () => {
		const outside = buildAnnotation({ id: annotationId, documentId, creator, motivation: 'highlighting', text: '', region: { page: 1, x: 0, y: 0, width: 10, height: 10 }, shape: rectangle });
		expect(webAnnotationSchema.safeParse(outside).success).toBe(false);
		const doc = new Y.Doc();
		annotationsMap(doc).set(annotationId, { ...draft(), target: { ...draft().target, selector: { ...draft().target.selector, refinedBy: { type: 'CssSelector', value: 'p' } } } });
		expect(checkAnnotationsShape(doc)).toMatch(/refinedBy/);
	});

	it('refuses an ink stroke of too many points', () => {
		expect(() => formatSvgShape({ kind: 'ink', points: Array.from({ length: 2001 }, (_, i) => [i, i] as [number, number]) })).toThrow(RangeError);
		const longest = formatSvgShape({ kind: 'ink', points: Array.from({ length: 2000 }, (_, i) => [i + 0.25, i + 0.75] as [number, number]) });
		expect(parseSvgShape(longest)?.kind).toBe('ink');
	});
});
