/**
 * The smallest single edit that turns `before` into `after`: keep the common start and end,
 * replace what lies between. Typing, pasting and deleting in a text box are each one such
 * edit, so applying it to a shared text keeps the other people's concurrent edits around it
 * (replacing the whole text would wipe them).
 */
export interface TextEdit {
	index: number;
	remove: number;
	insert: string;
}

export function diffText(before: string, after: string, caret?: number): TextEdit | null {
	if (before === after) return null;
	const maxPrefix = Math.min(before.length, after.length);
	let start = 0;
	while (start < maxPrefix && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
	// With repeated characters ("aa" → "aaa") the change could sit anywhere in the run; the caret,
	// right after what was typed, says where it is, so the prefix may not run past it.
	if (caret !== undefined && after.length > before.length) start = Math.min(start, Math.max(0, caret - (after.length - before.length)));
	let end = 0;
	while (end < before.length - start && end < after.length - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end += 1;
	return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

/** A delta as Yjs reports it for a Y.Text change. */
export type TextDelta = ReadonlyArray<{ retain?: number; insert?: unknown; delete?: number }>;

/**
 * Where a position in the text moves when someone else's change is applied: text inserted
 * before it pushes it right, text deleted before it pulls it left. Keeps the caret of the
 * person typing where it was in their own words.
 */
export function transformPosition(position: number, delta: TextDelta): number {
	// Walks the delta over the old text: retains and deletes advance through it, inserts do not.
	let index = 0;
	let result = position;
	for (const op of delta) {
		if (index >= position) break;
		if (op.retain !== undefined) index += op.retain;
		else if (op.delete !== undefined) {
			result -= Math.min(op.delete, position - index);
			index += op.delete;
		} else if (op.insert !== undefined) {
			result += typeof op.insert === 'string' ? op.insert.length : 1;
		}
	}
	return Math.max(0, result);
}
