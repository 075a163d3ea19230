import { and, asc, desc, eq, ilike, like, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { patients } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';

export const patientSearchPageSize = 25;

/** The query string of a search (page and API alike), so a link copied from one works in the other. */
export const patientSearchParamsSchema = z.object({
	q: z.string().trim().max(100, 'Search with at most 100 characters.').default(''),
	page: z.preprocess(
		(value) => (value === '' ? undefined : value),
		z
			.string()
			.regex(/^\d+$/, 'The page number must be a whole number, like 2.')
			.transform(Number)
			.pipe(z.number().min(1, 'The page number starts at 1.').max(1000, 'The page number can be at most 1000.'))
			.default(1)
	)
});

export interface PatientSearchQuery {
	/** A name (any order, partial), a date of birth (YYYY-MM-DD or MM/DD/YYYY) or an MRN (digits). */
	text: string;
	page: number;
}

export interface PatientSearchHit {
	id: string;
	mrn: string;
	givenName: string;
	familyName: string;
	birthDate: string;
	sex: string;
}

export interface PatientSearchResult {
	hits: PatientSearchHit[];
	page: number;
	hasMore: boolean;
	/** How the text was read, so the page can say "Patients born 1980-02-03". */
	matchedBy: 'name' | 'birth_date' | 'mrn' | 'all';
}

export type ParsedSearch =
	| { kind: 'all' }
	| { kind: 'birth_date'; date: string }
	| { kind: 'mrn'; prefix: string }
	| { kind: 'name'; terms: string[] };

export function parseSearchText(text: string): ParsedSearch {
	const trimmed = text.trim().slice(0, 100);
	if (trimmed === '') return { kind: 'all' };
	const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
	const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed);
	const date = iso ? `${iso[1]}-${iso[2]}-${iso[3]}` : us ? `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}` : null;
	if (date && isRealDate(date)) return { kind: 'birth_date', date };
	const mrn = /^(?:mrn[:\s]*)?(\d{3,})$/i.exec(trimmed);
	if (mrn) return { kind: 'mrn', prefix: mrn[1]! };
	const terms = trimmed
		.toLowerCase()
		.split(/[\s,]+/)
		.filter(Boolean)
		.slice(0, 4)
		// LIKE wildcards typed by a person are literal characters.
		.map((t) => t.replace(/[\\%_]/g, (c) => `\\${c}`));
	return terms.length === 0 ? { kind: 'all' } : { kind: 'name', terms };
}

function isRealDate(date: string): boolean {
	const d = new Date(`${date}T00:00:00Z`);
	return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/**
 * Staff search over all patients of the clinic (finding a patient is allowed to every staff
 * role; opening the chart is decided per patient by the access module).
 */
export async function searchPatients(db: Database, actor: Actor, query: PatientSearchQuery): Promise<PatientSearchResult> {
	requirePermission(actor, 'patients.search');
	const result = await runPatientSearch(db, query);
	await recordAuditEvent(db, actor, {
		action: 'patient.search',
		outcome: 'success',
		resourceType: 'patient',
		// The search text may itself be PHI (a name); the audit keeps what kind and how many.
		reason: `by ${result.matchedBy}, ${result.hits.length} shown`
	});
	return result;
}

/** The query alone, without access or audit: used by searchPatients and the benchmark. */
export async function runPatientSearch(db: Database, query: PatientSearchQuery): Promise<PatientSearchResult> {
	const parsed = parseSearchText(query.text);
	const page = Math.max(1, Math.min(query.page, 1000));
	let where: SQL | undefined;
	let order: SQL[] = [asc(patients.familyName), asc(patients.givenName), asc(patients.id)];
	switch (parsed.kind) {
		case 'birth_date':
			where = eq(patients.birthDate, parsed.date);
			break;
		case 'mrn':
			// collate "C" matches the patients_mrn_c_idx index (see db/schema/patients.ts).
			where = like(sql`${patients.mrn} collate "C"`, `${parsed.prefix}%`);
			order = [asc(sql`${patients.mrn} collate "C"`)];
			break;
		case 'name': {
			const phrase = parsed.terms.join(' ');
			where = and(...parsed.terms.map((term) => ilike(patients.searchName, `%${term}%`)));
			order = [desc(sql`similarity(${patients.searchName}, ${phrase})`), ...order];
			break;
		}
	}
	const rows = await db
		.select({
			id: patients.id,
			mrn: patients.mrn,
			givenName: patients.givenName,
			familyName: patients.familyName,
			birthDate: patients.birthDate,
			sex: patients.sex
		})
		.from(patients)
		.where(where)
		.orderBy(...order)
		.limit(patientSearchPageSize + 1)
		.offset((page - 1) * patientSearchPageSize);
	return {
		hits: rows.slice(0, patientSearchPageSize),
		page,
		hasMore: rows.length > patientSearchPageSize,
		matchedBy: parsed.kind
	};
}
