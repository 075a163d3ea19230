/**
 * Display formatting shared by the chart components. A fixed locale and an explicit time zone
 * (the clinic's) make the server's HTML and the browser's hydration print the same text.
 */

const locale = 'en-US';

const dateOnly = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

/** "YYYY-MM-DD" (a calendar date, no time zone) → "Feb 3, 1980". */
export function formatDate(isoDate: string | null | undefined): string {
	if (!isoDate) return '—';
	const date = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
	return Number.isNaN(date.getTime()) ? isoDate : dateOnly.format(date);
}

/** Formatters are costly to build and a chart formats hundreds of times; keep one per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'day' | 'dateTime', timeZone: string): Intl.DateTimeFormat {
	const key = `${kind} ${timeZone}`;
	let found = formatters.get(key);
	if (!found) {
		found = new Intl.DateTimeFormat(
			locale,
			kind === 'day' ? { year: 'numeric', month: 'short', day: 'numeric', timeZone } : { dateStyle: 'medium', timeStyle: 'short', timeZone }
		);
		formatters.set(key, found);
	}
	return found;
}

/** An instant → its calendar date in the clinic's time zone. */
export function formatDay(instant: string | number, timeZone: string): string {
	return formatter('day', timeZone).format(new Date(instant));
}

/** An instant → date and time in the clinic's time zone, e.g. "Mar 1, 2025, 9:00 AM". */
export function formatDateTime(instant: string | number, timeZone: string): string {
	return formatter('dateTime', timeZone).format(new Date(instant));
}

export function formatNumber(value: number): string {
	return numberFormat.format(value);
}

/** Whole years between a birth date ("YYYY-MM-DD") and today in the given time zone. */
export function ageInYears(birthDate: string, timeZone = 'UTC', now: Date = new Date()): number {
	const today = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(now);
	const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
	const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
	return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export function formatAge(birthDate: string, timeZone?: string): string {
	const years = ageInYears(birthDate, timeZone);
	return years === 1 ? '1 year' : `${years} years`;
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} bytes`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	return `${formatNumber(Math.round((bytes / (1024 * 1024)) * 10) / 10)} MB`;
}

/** UCUM units as people read them: "mm[Hg]" → "mmHg", "{beats}/min" → "beats/min". */
export function displayUnit(unit: string): string {
	const known: Record<string, string> = { 'mm[Hg]': 'mmHg', 'kg/m2': 'kg/m²', Cel: '°C', '[degF]': '°F', '[lb_av]': 'lb', '[in_i]': 'in', '/min': 'per minute' };
	return known[unit] ?? unit.replace(/[[\]{}]/g, '');
}

/** Words for stored codes; an unknown code is shown with underscores as spaces. */
export function labelOf(labels: Record<string, string>, code: string): string {
	return labels[code] ?? code.replaceAll('_', ' ');
}

export const sexLabels: Record<string, string> = { female: 'Female', male: 'Male', other: 'Other', unknown: 'Not recorded' };

export const languageLabels: Record<string, string> = { en: 'English', es: 'Spanish', pt: 'Portuguese', fr: 'French', zh: 'Chinese' };

export const encounterKindLabels: Record<string, string> = {
	office_visit: 'Office visit',
	telehealth: 'Video visit',
	annual_exam: 'Annual exam',
	urgent_care: 'Urgent care',
	follow_up: 'Follow-up',
	procedure: 'Procedure'
};

export const encounterStatusLabels: Record<string, string> = {
	planned: 'Planned',
	in_progress: 'In progress',
	finished: 'Finished',
	cancelled: 'Cancelled'
};

export const contactRelationshipLabels: Record<string, string> = {
	emergency: 'Emergency contact',
	parent: 'Parent',
	guardian: 'Guardian',
	spouse: 'Spouse or partner',
	child: 'Child',
	caregiver: 'Caregiver',
	other: 'Other'
};

export const documentKindLabels: Record<string, string> = {
	lab_report: 'Lab report',
	imaging: 'Imaging',
	referral: 'Referral',
	consent: 'Consent form',
	photo: 'Photo',
	other: 'Other'
};

export const contentTypeLabels: Record<string, string> = {
	'application/pdf': 'PDF',
	'image/png': 'PNG image',
	'image/jpeg': 'JPEG image',
	'image/webp': 'WebP image'
};

/** Whom a chart component is speaking to: staff read clinical terms, patients plain words. */
export type Audience = 'staff' | 'patient';
