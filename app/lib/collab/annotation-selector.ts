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
