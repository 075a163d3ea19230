import { describe, expect, it } from 'vitest';
import { neighboursAfterMove } from './types';

describe('neighboursAfterMove', () => {
	it('names the requests a moved one lands between', () => {
		expect(neighboursAfterMove(['a', 'b', 'c', 'd'], 'd', 1)).toEqual({ order: ['a', 'd', 'b', 'c'], previousId: 'a', nextId: 'b' });
		expect(neighboursAfterMove(['a', 'b', 'c'], 'b', 0)).toEqual({ order: ['b', 'a', 'c'], previousId: null, nextId: 'a' });
		expect(neighboursAfterMove(['a', 'b', 'c'], 'a', 5)).toEqual({ order: ['b', 'c', 'a'], previousId: 'c', nextId: null });
	});
});
