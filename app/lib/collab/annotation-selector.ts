/**
 * The region of a PDF page an annotation points at, as a W3C FragmentSelector conforming to
 * Media Fragments: `page=<n>&xywh=<x>,<y>,<w>,<h>`. Coordinates are in PDF page space
 * (points, 1/72 inch, origin at the page's top-left as rendered), so a region stays put
 * whatever the zoom or screen of the person looking at it.
 */
export interface PageRegion {
	/** 1-based page number. */
	page: number;
	x: number;
	y: number;
	width: number;
	height: number;
}

const number = String.raw`(\d+(?:\.\d+)?)`;
const selectorPattern = new RegExp(String.raw`^page=([1-9]\d{0,4})&xywh=${number},${number},${number},${number}$`);

/** Two decimals of a point is far below what anyone can see; it also keeps exponents out. */
function formatPoints(value: number): string {
	if (!Number.isFinite(value) || value < 0) throw new RangeError(`Not a page coordinate: ${value}`);
	return String(Math.round(value * 100) / 100);
}

export function formatPageRegion(region: PageRegion): string {
	if (!Number.isInteger(region.page) || region.page < 1 || region.page > 99_999) throw new RangeError(`Not a page number: ${region.page}`);
	return `page=${region.page}&xywh=${[region.x, region.y, region.width, region.height].map(formatPoints).join(',')}`;
}

export function parsePageRegion(value: string): PageRegion | null {
	const match = selectorPattern.exec(value);
	if (!match) return null;
	const [page, x, y, width, height] = match.slice(1).map(Number) as [number, number, number, number, number];
	return { page, x, y, width, height };
}

/**
 * The exact outline of an ink stroke or a rectangle, refining the page region (W3C `refinedBy`
 * with an SvgSelector). The SVG is one element, written and read here only: a `<path>` whose
 * `d` is `M x y` then `L x y` segments of plain numbers, or a `<rect>` of four numbers — no
 * other element, attribute, style or reference, so nothing in it can run or load anything.
 * Coordinates are page points like the region's.
 */
export type SvgShape = { kind: 'ink'; points: [number, number][] } | { kind: 'rectangle'; x: number; y: number; width: number; height: number };

export const inkMaxPoints = 2000;

const point = String.raw`\d+(?:\.\d+)?`;
const pathPattern = new RegExp(String.raw`^<path d="M ${point} ${point}(?: L ${point} ${point}){1,${inkMaxPoints - 1}}"/>$`);
const rectPattern = new RegExp(String.raw`^<rect x="(${point})" y="(${point})" width="(${point})" height="(${point})"/>$`);

export function formatSvgShape(shape: SvgShape): string {
	if (shape.kind === 'rectangle') {
		const [x, y, width, height] = [shape.x, shape.y, shape.width, shape.height].map(formatPoints);
		return `<rect x="${x}" y="${y}" width="${width}" height="${height}"/>`;
	}
	if (shape.points.length < 2 || shape.points.length > inkMaxPoints) throw new RangeError(`An ink stroke has 2 to ${inkMaxPoints} points, not ${shape.points.length}.`);
	return `<path d="${shape.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'} ${formatPoints(x)} ${formatPoints(y)}`).join(' ')}"/>`;
}

export function parseSvgShape(value: string): SvgShape | null {
	if (value.length > inkMaxPoints * 24) return null;
	const rect = rectPattern.exec(value);
	if (rect) {
		const [x, y, width, height] = rect.slice(1).map(Number) as [number, number, number, number];
		return { kind: 'rectangle', x, y, width, height };
	}
	if (!pathPattern.test(value)) return null;
	const numbers = value.slice('<path d="'.length, -'"/>'.length).replace(/[ML]/g, '').trim().split(/\s+/).map(Number);
	const points: [number, number][] = [];
	for (let i = 0; i + 1 < numbers.length; i += 2) points.push([numbers[i]!, numbers[i + 1]!]);
	return { kind: 'ink', points };
}

/** The smallest page region holding the shape (an ink stroke's bounding box). */
export function svgShapeBounds(shape: SvgShape, page: number): PageRegion {
	if (shape.kind === 'rectangle') return { page, x: shape.x, y: shape.y, width: shape.width, height: shape.height };
	const xs = shape.points.map(([x]) => x);
	const ys = shape.points.map(([, y]) => y);
	const x = Math.min(...xs);
	const y = Math.min(...ys);
	return { page, x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** Does the shape lie within the region (to the rounding of formatPoints)? */
export function svgShapeWithin(shape: SvgShape, region: PageRegion): boolean {
	const slack = 0.05;
	const bounds = svgShapeBounds(shape, region.page);
	return (
		bounds.x >= region.x - slack &&
		bounds.y >= region.y - slack &&
		bounds.x + bounds.width <= region.x + region.width + slack &&
		bounds.y + bounds.height <= region.y + region.height + slack
	);
}
