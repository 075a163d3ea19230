import { describe, expect, it } from 'vitest';
import { ageOn, isoDateOf, zonedDay } from './clinic-calendar';
import { generatePatients } from './generate-patients';

const now = new Date('2026-03-15T15:00:00Z');

describe('generatePatients', () => {
	it('gives the same people for the same seed, and others for another seed', () => {
		expect(generatePatients({ count: 50, seed: 1, now })).toEqual(generatePatients({ count: 50, seed: 1, now }));
		expect(generatePatients({ count: 50, seed: 2, now })[0]).not.toEqual(generatePatients({ count: 50, seed: 1, now })[0]);
	});

	it('issues unique eight-digit MRNs and ids, even for a large panel', () => {
		const people = generatePatients({ count: 20_000, seed: 3, now });
		expect(new Set(people.map((p) => p.mrn)).size).toBe(people.length);
		expect(new Set(people.map((p) => p.id)).size).toBe(people.length);
		for (const p of people) expect(p.mrn).toMatch(/^\d{8}$/);
	});

	it('spreads ages from newborns to 95 and uses only fictional contact details', () => {
		const today = isoDateOf(zonedDay(now, 'America/New_York'));
		const people = generatePatients({ count: 5_000, seed: 4, now });
		const ages = people.map((p) => ageOn(p.birthDate, today));
		expect(Math.min(...ages)).toBe(0);
		expect(Math.max(...ages)).toBeGreaterThanOrEqual(90);
		expect(Math.max(...ages)).toBeLessThanOrEqual(95);
		expect(ages.filter((a) => a < 18).length / ages.length).toBeGreaterThan(0.15);
		expect(ages.filter((a) => a >= 70).length / ages.length).toBeGreaterThan(0.05);
		for (const p of people) {
			expect(p.phone).toMatch(/^\(\d{3}\) 555-01\d{2}$/);
			if (p.email) expect(p.email).toMatch(/@example\.(com|net|org)$/);
		}
		const languages = new Set(people.map((p) => p.preferredLanguage));
		expect(languages).toEqual(new Set(['en', 'es', 'pt', 'fr', 'zh']));
	});
});
