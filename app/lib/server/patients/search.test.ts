import { describe, expect, it } from 'vitest';
import { parseSearchText } from './search';

describe('parseSearchText reads what a person typed', () => {
	it('reads ISO and US dates as a date of birth', () => {
		expect(parseSearchText('1984-02-29')).toEqual({ kind: 'birth_date', date: '1984-02-29' });
		expect(parseSearchText(' 3/7/1950 ')).toEqual({ kind: 'birth_date', date: '1950-03-07' });
	});
	it('does not take an impossible date for a date', () => {
		expect(parseSearchText('1985-02-29').kind).not.toBe('birth_date');
		expect(parseSearchText('13/40/2000').kind).not.toBe('birth_date');
	});
	it('reads digits as an MRN prefix, with or without "MRN"', () => {
		expect(parseSearchText('00012')).toEqual({ kind: 'mrn', prefix: '00012' });
		expect(parseSearchText('MRN: 4471')).toEqual({ kind: 'mrn', prefix: '4471' });
	});
	it('splits names on spaces and commas, lower-cased, in any order', () => {
		expect(parseSearchText('Garcia, Maria')).toEqual({ kind: 'name', terms: ['garcia', 'maria'] });
	});
	it('treats LIKE wildcards as literal characters', () => {
		expect(parseSearchText('50%_off')).toEqual({ kind: 'name', terms: ['50\\%\\_off'] });
	});
	it('reads empty or blank text as "everyone"', () => {
		expect(parseSearchText('   ')).toEqual({ kind: 'all' });
	});
});
