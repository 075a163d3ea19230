import { describe, expect, it } from 'vitest';
import { calendarHref, dayLengthMinutes, lanes, minuteAtFraction, placeOnTrack, stepDate, timeRangeIn, trackWindow, viewRange } from './calendar-layout';

const ny = 'America/New_York';

describe('calendar layout', () => {
	it('covers a Monday-to-Sunday week in the zone, across the spring daylight-saving change', () => {
		const range = viewRange('week', '2026-03-11', ny);
		expect(range.days).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15']);
		expect(range.from.toISOString()).toBe('2026-03-09T04:00:00.000Z');
		expect(range.to.toISOString()).toBe('2026-03-16T04:00:00.000Z');
		// 8 March 2026 is the change in New York: a 23-hour day.
		expect(dayLengthMinutes('2026-03-08', ny)).toBe(1380);
		expect(viewRange('day', '2026-03-08', ny).to.getTime() - viewRange('day', '2026-03-08', ny).from.getTime()).toBe(23 * 3_600_000);
	});

	it('places a visit by wall-clock time on a daylight-saving day, and names the zone', () => {
		const window = { startMinute: 8 * 60, endMinute: 18 * 60 };
		// 09:00–09:30 EDT on 8 March is 13:00–13:30 UTC.
		const placement = placeOnTrack('2026-03-08T13:00:00Z', '2026-03-08T13:30:00Z', '2026-03-08', ny, window);
		expect(placement).toEqual({ top: 10, height: 5 });
		expect(timeRangeIn('2026-03-08T13:00:00Z', '2026-03-08T13:30:00Z', ny)).toBe('09:00–09:30 EDT');
		expect(timeRangeIn('2026-01-08T14:00:00Z', '2026-01-08T14:30:00Z', ny)).toBe('09:00–09:30 EST');
		expect(placeOnTrack('2026-03-09T13:00:00Z', '2026-03-09T13:30:00Z', '2026-03-08', ny, window)).toBeNull();
	});

	it('widens the track to hold early and late entries, to whole hours', () => {
		const window = trackWindow([{ startsAt: '2026-01-08T11:30:00Z', endsAt: '2026-01-08T12:00:00Z' }], ['2026-01-08'], ny);
		expect(window).toEqual({ startMinute: 6 * 60, endMinute: 19 * 60 });
		expect(minuteAtFraction(0.5, { startMinute: 480, endMinute: 1080 }, 15)).toBe(780);
	});

	it('puts overlapping entries side by side and lone ones at full width', () => {
		const placed = lanes([
			{ id: 'a', startsAt: '2026-01-08T14:00:00Z', endsAt: '2026-01-08T15:00:00Z' },
			{ id: 'b', startsAt: '2026-01-08T14:30:00Z', endsAt: '2026-01-08T15:30:00Z' },
			{ id: 'c', startsAt: '2026-01-08T16:00:00Z', endsAt: '2026-01-08T16:30:00Z' }
		]);
		expect(placed.map((p) => [p.entry.id, p.lane, p.laneCount])).toEqual([
			['a', 0, 2],
			['b', 1, 2],
			['c', 0, 1]
		]);
	});

	it('writes and steps the calendar address', () => {
		expect(calendarHref({ view: 'day', date: '2026-03-08', practitioner: 'p1' })).toBe('/schedule?view=day&practitioner=p1&date=2026-03-08');
		expect(stepDate('week', '2026-03-08', 1)).toBe('2026-03-15');
		expect(stepDate('day', '2026-03-01', -1)).toBe('2026-02-28');
	});
});
