import { describe, expect, it } from 'vitest';
import { differentClock, formatClock, formatLongDay, formatVisitTime } from './appointment-time';

describe('portal appointment times', () => {
	// 14:00 UTC on 24 Nov 2026: 9:00 in New York (EST), 14:00 in Lisbon (WET, UTC+0).
	const winter = '2026-11-24T14:00:00.000Z';
	// 13:00 UTC on 15 Jul 2026: 9:00 in New York (EDT), 14:00 in Lisbon (WEST, UTC+1).
	const summer = '2026-07-15T13:00:00.000Z';

	it('prints the time in the location zone with its abbreviation', () => {
		expect(formatVisitTime(winter, 'America/New_York')).toBe('Tue, Nov 24, 2026, 9:00 AM EST');
		expect(formatClock(summer, 'America/New_York')).toBe('9:00 AM EDT');
	});

	it('adds the viewer’s clock only when it reads differently (Lisbon yes; Toronto, same offset, no)', () => {
		expect(differentClock(winter, 'America/New_York', 'Europe/Lisbon')).toBe(true);
		expect(formatClock(winter, 'Europe/Lisbon')).toMatch(/^2:00 PM/);
		expect(formatClock(summer, 'Europe/Lisbon')).toMatch(/^2:00 PM/);
		expect(differentClock(winter, 'America/New_York', 'America/Toronto')).toBe(false);
		expect(differentClock(winter, 'America/New_York', 'America/New_York')).toBe(false);
		expect(differentClock(winter, 'America/New_York', null)).toBe(false);
	});

	it('names a local day without shifting it by a zone', () => {
		expect(formatLongDay('2026-03-08')).toBe('Sunday, March 8, 2026');
	});
});
