import { describe, expect, it } from 'vitest';
import { adherence, scheduledDoses, type ScheduleItem } from './doses';
import { localDateOf, localTimeOf, zonedInstant } from './clinic-time';

const metformin: ScheduleItem = { id: 'm1', medication: 'Metformin', dose: '500 mg', times: ['20:00', '08:00'], startDate: '2026-03-01', endDate: null };

describe('zonedInstant', () => {
	it('reads wall-clock times in the clinic zone, on both sides of daylight saving', () => {
		// New York: EST (UTC−5) before 8 March 2026, EDT (UTC−4) after.
		expect(zonedInstant('2026-03-07', '08:00', 'America/New_York').toISOString()).toBe('2026-03-07T13:00:00.000Z');
		expect(zonedInstant('2026-03-09', '08:00', 'America/New_York').toISOString()).toBe('2026-03-09T12:00:00.000Z');
		expect(zonedInstant('2026-07-01', '23:30', 'Asia/Kolkata').toISOString()).toBe('2026-07-01T18:00:00.000Z');
	});

	it('moves a time skipped by the clocks going forward past the gap, and takes the first of a repeated time', () => {
		expect(zonedInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
		// 1 November 2026, 01:30 happens twice in New York; the first is EDT (05:30Z).
		expect(zonedInstant('2026-11-01', '01:30', 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
	});

	it('round-trips through localDateOf and localTimeOf', () => {
		const at = zonedInstant('2026-12-31', '23:59', 'Pacific/Auckland');
		expect(localDateOf(at, 'Pacific/Auckland')).toBe('2026-12-31');
		expect(localTimeOf(at, 'Pacific/Auckland')).toBe('23:59');
	});
});

describe('scheduledDoses', () => {
	const zone = 'America/New_York';

	it('lists each time of each day in the window, oldest first, half-open at the end', () => {
		const doses = scheduledDoses([metformin], zonedInstant('2026-03-02', '00:00', zone), zonedInstant('2026-03-03', '20:00', zone), zone);
		expect(doses.map((d) => `${d.localDate} ${d.localTime}`)).toEqual(['2026-03-02 08:00', '2026-03-02 20:00', '2026-03-03 08:00']);
		expect(doses[0]!.scheduledFor.toISOString()).toBe('2026-03-02T13:00:00.000Z');
	});

	it('keeps 08:00 at 08:00 local across the change to daylight saving', () => {
		const doses = scheduledDoses(
			[{ ...metformin, times: ['08:00'] }],
			zonedInstant('2026-03-07', '00:00', zone),
			zonedInstant('2026-03-10', '00:00', zone),
			zone
		);
		expect(doses.map((d) => d.scheduledFor.toISOString())).toEqual(['2026-03-07T13:00:00.000Z', '2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z']);
	});

	it('honours the entry’s first and last day and skips malformed times', () => {
		const item: ScheduleItem = { id: 'a', medication: 'Amoxicillin', dose: '250 mg', times: ['09:00', '9am', '25:00'], startDate: '2026-03-05', endDate: '2026-03-06' };
		const doses = scheduledDoses([item], new Date('2026-03-01T00:00:00Z'), new Date('2026-03-31T00:00:00Z'), zone);
		expect(doses.map((d) => d.localDate)).toEqual(['2026-03-05', '2026-03-06']);
	});

	it('returns nothing for an empty or reversed window', () => {
		const at = new Date('2026-03-05T00:00:00Z');
		expect(scheduledDoses([metformin], at, at, zone)).toEqual([]);
		expect(scheduledDoses([metformin], at, new Date('2026-03-04T00:00:00Z'), zone)).toEqual([]);
	});
});

describe('adherence', () => {
	const doses = [0, 1, 2, 3].map((i) => ({ scheduleItemId: 'm1', scheduledFor: new Date(Date.UTC(2026, 2, 2 + i, 13)) }));

	it('is the share of due doses taken; skipped and unrecorded doses count against it', () => {
		const result = adherence(doses, [
			{ scheduleItemId: 'm1', scheduledFor: doses[0]!.scheduledFor, status: 'taken' },
			{ scheduleItemId: 'm1', scheduledFor: doses[1]!.scheduledFor, status: 'taken' },
			{ scheduleItemId: 'm1', scheduledFor: doses[2]!.scheduledFor, status: 'skipped' },
			// Not a due dose (another entry, or outside the period): ignored.
			{ scheduleItemId: 'other', scheduledFor: doses[3]!.scheduledFor, status: 'taken' }
		]);
		expect(result).toEqual({ due: 4, taken: 2, skipped: 1, unrecorded: 1, percent: 50 });
	});

	it('has no percentage when nothing was due', () => {
		expect(adherence([], []).percent).toBeNull();
	});

	it('rounds to whole percent', () => {
		expect(adherence(doses.slice(0, 3), [{ scheduleItemId: 'm1', scheduledFor: doses[0]!.scheduledFor, status: 'taken' }]).percent).toBe(33);
	});
});
