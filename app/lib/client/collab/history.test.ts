import { describe, expect, it } from 'vitest';
import { fetchHistory, groupHistory, HistoryError, restoreVersion, type HistoryEntry } from './history';

const entry = (seq: number, authorName: string | null, at: string, parts: string[], origin: HistoryEntry['origin'] = 'client'): HistoryEntry => ({
	seq,
	authorName,
	authorRole: authorName ? 'physician' : null,
	origin,
	parts,
	at
});

describe('groupHistory', () => {
	it('folds one author’s changes within a minute into one line, newest first', () => {
		const groups = groupHistory([
			entry(7, 'Priya Patel, RN', '2026-03-02T10:05:40.000Z', ['allergies']),
			entry(6, 'Dr. Emily Chen', '2026-03-02T10:05:30.000Z', ['sections']),
			entry(5, 'Dr. Emily Chen', '2026-03-02T10:05:10.000Z', ['allergies']),
			entry(4, 'Dr. Emily Chen', '2026-03-02T10:05:01.000Z', ['allergies']),
			entry(3, 'Dr. Emily Chen', '2026-03-02T10:04:59.000Z', ['problems']),
			entry(1, null, '2026-03-01T09:00:00.000Z', ['problems', 'allergies'], 'seed')
		]);
		expect(groups.map((g) => [g.authorName, g.seq, g.firstSeq, g.changes, g.parts])).toEqual([
			['Priya Patel, RN', 7, 7, 1, ['allergies']],
			['Dr. Emily Chen', 6, 4, 3, ['sections', 'allergies']],
			['Dr. Emily Chen', 3, 3, 1, ['problems']],
			[null, 1, 1, 1, ['problems', 'allergies']]
		]);
	});

	it('adds up entries the server already folded', () => {
		const groups = groupHistory([
			{ ...entry(12, 'Dr. Emily Chen', '2026-03-02T10:05:40.000Z', ['allergies']), fromSeq: 10, changes: 3 },
			{ ...entry(9, 'Dr. Emily Chen', '2026-03-02T10:05:02.000Z', ['problems']), fromSeq: 8, changes: 2 }
		]);
		expect(groups.map((g) => [g.seq, g.firstSeq, g.changes])).toEqual([[12, 8, 5]]);
	});

	it('keeps a restore apart from the same person’s edits', () => {
		const groups = groupHistory([
			entry(9, 'Dr. Emily Chen', '2026-03-02T10:05:40.000Z', ['allergies'], 'restore'),
			entry(8, 'Dr. Emily Chen', '2026-03-02T10:05:30.000Z', ['allergies'])
		]);
		expect(groups).toHaveLength(2);
	});
});

describe('history requests', () => {
	it('asks for the page before a sequence number', async () => {
		let asked = '';
		const page = await fetchHistory('chart:x', 40, async (url) => {
			asked = String(url);
			return Response.json({ entries: [], nextBefore: null });
		});
		expect(asked).toBe('/api/collab/history?document=chart%3Ax&before=40');
		expect(page.nextBefore).toBeNull();
	});

	it('tells a refused or failed restore in plain words', async () => {
		await expect(restoreVersion('chart:x', 3, async () => Response.json({ message: 'You may not change this chart.' }, { status: 403 }))).rejects.toThrow(
			'The version was not restored: You may not change this chart.'
		);
		await expect(
			restoreVersion('chart:x', 3, async () => {
				throw new TypeError('Failed to fetch');
			})
		).rejects.toBeInstanceOf(HistoryError);
		await expect(restoreVersion('chart:x', 3, async () => new Response('', { status: 503 }))).rejects.toThrow(/cannot reach the database/);
	});
});
