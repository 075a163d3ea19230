import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { diffText, transformPosition, type TextDelta } from './text-diff';

function apply(before: string, after: string, caret?: number): string {
	const edit = diffText(before, after, caret);
	if (!edit) return before;
	return before.slice(0, edit.index) + edit.insert + before.slice(edit.index + edit.remove);
}

describe('diffText', () => {
	it('finds no edit for equal texts', () => {
		expect(diffText('Penicillin', 'Penicillin')).toBeNull();
	});

	it('turns typing, deleting and replacing into one small edit', () => {
		expect(diffText('Hives', 'Hives, itching')).toEqual({ index: 5, remove: 0, insert: ', itching' });
		expect(diffText('Mild rash', 'rash')).toEqual({ index: 0, remove: 5, insert: '' });
		expect(diffText('BP 140/90 today', 'BP 128/80 today')).toEqual({ index: 4, remove: 4, insert: '28/8' });
		for (const [before, after] of [['', 'x'], ['abc', ''], ['abc', 'abXc'], ['aaa', 'aaaa'], ['ab', 'ba']]) {
			expect(apply(before!, after!)).toBe(after);
		}
	});

	it('places a character typed inside a run of the same character at the caret', () => {
		// "aa|a" → typed "a" at 2: the edit is at 2, not at the end of the run.
		expect(diffText('aaa', 'aaaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
	});

	it('keeps another person’s concurrent typing when applied to a shared text', () => {
		const mine = new Y.Doc();
		const theirs = new Y.Doc();
		mine.getText('t').insert(0, 'Smokes 5 a day.');
		Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
		// They append; I change "5" to "10" by editing my text box's value.
		theirs.getText('t').insert(15, ' Quit in 2024.');
		const edit = diffText('Smokes 5 a day.', 'Smokes 10 a day.')!;
		mine.transact(() => {
			mine.getText('t').delete(edit.index, edit.remove);
			mine.getText('t').insert(edit.index, edit.insert);
		});
		Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs));
		Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
		expect(mine.getText('t').toString()).toBe('Smokes 10 a day. Quit in 2024.');
		expect(theirs.getText('t').toString()).toBe(mine.getText('t').toString());
	});
});

describe('transformPosition', () => {
	const caret = 10;
	it('moves the caret right for text inserted before it, not after', () => {
		expect(transformPosition(caret, [{ retain: 2 }, { insert: 'abc' }])).toBe(13);
		expect(transformPosition(caret, [{ retain: 12 }, { insert: 'abc' }])).toBe(10);
	});

	it('moves the caret left for text deleted before it, and to the cut when it was inside', () => {
		expect(transformPosition(caret, [{ delete: 4 }])).toBe(6);
		expect(transformPosition(caret, [{ retain: 8 }, { delete: 5 }])).toBe(8);
		expect(transformPosition(caret, [{ retain: 11 }, { delete: 5 }])).toBe(10);
	});

	it('agrees with what Yjs reports for a remote change', () => {
		const doc = new Y.Doc();
		const text = doc.getText('t');
		text.insert(0, 'Family history of diabetes.');
		let delta: TextDelta = [];
		text.observe((event) => (delta = event.delta as TextDelta));
		const position = 'Family history of '.length;
		text.insert(0, 'Note: ');
		expect(text.toString().slice(transformPosition(position, delta))).toBe('diabetes.');
	});
});
