/**
 * CSV as RFC 4180 writes it (CRLF line ends; a field with a comma, quote or line break is
 * quoted, quotes doubled), made safe to open in a spreadsheet: text that starts with = + - @
 * (or a tab or carriage return, which some programs skip before reading a formula) gets a
 * leading single quote, so it is shown as text and never run as a formula (OWASP, "CSV
 * injection"). Audit reasons and names are typed by people; they must stay data.
 */

export type CsvValue = string | number | boolean | null | undefined;

const formulaStart = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
	if (value === null || value === undefined) return '';
	let text = String(value);
	if (typeof value === 'string' && formulaStart.test(text)) text = `'${text}`;
	if (/[",\r\n]/.test(text)) text = `"${text.replaceAll('"', '""')}"`;
	return text;
}

export function csvLine(values: readonly CsvValue[]): string {
	return `${values.map(csvCell).join(',')}\r\n`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
	return csvLine(header) + rows.map(csvLine).join('');
}
