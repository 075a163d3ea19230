import { describe, expect, it } from 'vitest';
import { parseSlotValue, slotValue, validDay } from './portal-booking.server';

describe('a picked slot as one form value', () => {
	const practitionerId = '0b6f6c1e-3f7a-4a51-9a36-6f0f8f4c2a11';
	const locationId = '5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

	it('round-trips practitioner, location and start', () => {
		const value = slotValue({ practitionerId, locationId, startsAt: '2026-11-24T14:00:00.000Z' });
		expect(parseSlotValue(value)).toEqual({ practitionerId, locationId, startsAt: new Date('2026-11-24T14:00:00.000Z') });
	});

	it('refuses anything else rather than guessing', () => {
		for (const bad of [null, 42, '', 'a|b|c', `${practitionerId}|${locationId}`, `${practitionerId}|${locationId}|tomorrow`, `${practitionerId}|${locationId}|2026-11-24T14:00:00Z|x`, `x|${locationId}|2026-11-24T14:00:00Z`, 'x'.repeat(500)]) {
			expect(parseSlotValue(bad)).toBeNull();
		}
	});

	it('accepts only real calendar days', () => {
		expect(validDay('2026-11-24')).toBe('2026-11-24');
		expect(validDay('2026-02-30')).toBeNull();
		expect(validDay('24/11/2026')).toBeNull();
		expect(validDay(null)).toBeNull();
	});
});
