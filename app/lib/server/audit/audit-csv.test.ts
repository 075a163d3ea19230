import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './audit-csv';

describe('audit CSV', () => {
	it('quotes as RFC 4180 says: commas, quotes and line breaks; quotes doubled; CRLF line ends', () => {
		expect(toCsv(['a', 'b'], [['plain', 'with, comma'], ['say "hi"', 'two\nlines'], [null, 42]])).toBe(
			'a,b\r\nplain,"with, comma"\r\n"say ""hi""","two\nlines"\r\n,42\r\n'
		);
	});

	it('turns text a spreadsheet would run as a formula into text', () => {
		expect(csvCell('=HYPERLINK("http://evil.example","click")')).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
		expect(csvCell('+1+1')).toBe("'+1+1");
		expect(csvCell('-2+3')).toBe("'-2+3");
		expect(csvCell('@SUM(A1:A2)')).toBe("'@SUM(A1:A2)");
		expect(csvCell('\t=1')).toBe("'\t=1");
		expect(csvCell('\r=1')).toBe(`"'\r=1"`);
		// Only the first character matters; numbers are numbers.
		expect(csvCell('a=b')).toBe('a=b');
		expect(csvCell(-5)).toBe('-5');
	});
});
