/** Structural equality of plain JSON values (what Yjs stores as ContentAny). */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
	const aKeys = Object.keys(a);
	const bRecord = b as Record<string, unknown>;
	if (aKeys.length !== Object.keys(b).length) return false;
	return aKeys.every((key) => key in bRecord && jsonEqual((a as Record<string, unknown>)[key], bRecord[key]));
}

/** A copy that shares no objects with the original, so two documents never hold the same array. */
export function jsonCopy<T>(value: T): T {
	return typeof value === 'object' && value !== null ? (structuredClone(value) as T) : value;
}
