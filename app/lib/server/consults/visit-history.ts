/**
 * A patient's visit history: their encounters (video consults and office visits alike) with
 * what the record keeps of each — the consult note's text (the `note:<encounterId>` document),
 * the consult's timeline, addenda written later, recordings — filterable by date range, and
 * exportable as a PDF. Every call authorizes through the access module, which audits it; notes
 * are clinical content, so every call needs the 'clinical' part of the record.
 */
import { and, asc, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import {
	consultEvents,
	consults,
	encounters,
	patients,
	practitioners,
	recordings,
	users,
	visitAddenda,
	type ConsultEventKind
} from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { isClinician } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizePatient } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { clinicDayBounds } from '../scheduling/capacity';
import { clinicTimeZone } from '../scheduling/settings';
import { ConsultRefusal } from './errors';
import { readNoteExcerpts, readNoteLines, type NoteLine } from './note-text';
import { listRecordingsForConsults, type RecordingSummary } from './recording';

export type { NoteLine, RecordingSummary };

export interface VisitConsult {
	id: string;
	status: 'open' | 'in_progress' | 'ended';
	transport: 'p2p' | 'livekit';
	startedAt: string | null;
	endedAt: string | null;
}

export interface VisitSummary {
	encounterId: string;
	kind: string;
	status: string;
	startAt: string;
	endAt: string | null;
	reason: string;
	practitionerName: string | null;
	consult: VisitConsult | null;
	addendaCount: number;
	recordingCount: number;
	/** The note's first words (lists only; the visit page has the whole note). */
	noteExcerpt: string | null;
}

export interface VisitPatient {
	id: string;
	givenName: string;
	familyName: string;
	birthDate: string;
	mrn: string;
}

export interface TimelineEntry {
	at: string;
	kind: ConsultEventKind;
	/** Plain words, e.g. "Dr. Ana Ruiz admitted Maria Lopez" is not said: names stay in `who`. */
	label: string;
	who: string | null;
	source: 'app' | 'livekit';
}

export interface Addendum {
	id: string;
	authorName: string;
	text: string;
	createdAt: string;
}

export interface VisitDetail {
	patient: VisitPatient;
	visit: VisitSummary;
	timeZone: string;
	note: NoteLine[];
	timeline: TimelineEntry[];
	addenda: Addendum[];
	recordings: RecordingSummary[];
}

export interface VisitFilter {
	/** First clinic day shown, 'YYYY-MM-DD' (inclusive). */
	from?: string | null;
	/** Last clinic day shown, 'YYYY-MM-DD' (inclusive). */
	to?: string | null;
}

/** Enough for years of visits on one page; a narrower date range finds older ones. */
export const visitListLimit = 200;
export const maxAddendumLength = 5000;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

function validDay(day: string): boolean {
	if (!dayPattern.test(day)) return false;
	const date = new Date(`${day}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/** Checks a date range from a form or query: dates, in order. Throws ConsultRefusal('invalid'). */
export function parseVisitFilter(input: { from?: string | null; to?: string | null }): VisitFilter {
	const from = input.from?.trim() || null;
	const to = input.to?.trim() || null;
	if (from && !validDay(from)) throw new ConsultRefusal('invalid', 'The “from” date is not a date. Use the date picker, or write it as 2026-03-31.');
	if (to && !validDay(to)) throw new ConsultRefusal('invalid', 'The “to” date is not a date. Use the date picker, or write it as 2026-03-31.');
	if (from && to && from > to) throw new ConsultRefusal('invalid', 'The “from” date is after the “to” date.');
	return { from, to };
}

export async function listVisits(
	db: Database,
	actor: Actor,
	patientId: string,
	filter: VisitFilter = {}
): Promise<{ patient: VisitPatient; visits: VisitSummary[]; timeZone: string; truncated: boolean }> {
	const access = await authorizePatient(db, actor, patientId, { action: 'visit.history_view', require: ['clinical'], resourceType: 'visit_history' });
	const { from, to } = parseVisitFilter(filter);
	const timeZone = await clinicTimeZone(db);
	const conditions = [eq(encounters.patientId, access.patientId)];
	if (from) conditions.push(gte(encounters.startAt, clinicDayBounds(from, timeZone).start));
	if (to) conditions.push(lt(encounters.startAt, clinicDayBounds(to, timeZone).end));
	const [patient, rows] = await Promise.all([
		selectPatient(db, access.patientId),
		selectVisits(db)
			.where(and(...conditions))
			.orderBy(desc(encounters.startAt))
			.limit(visitListLimit + 1)
	]);
	const visits = await withCounts(db, rows.slice(0, visitListLimit));
	const excerpts = await readNoteExcerpts(
		db,
		visits.map((v) => v.encounterId)
	);
	for (const visit of visits) visit.noteExcerpt = excerpts.get(visit.encounterId) ?? null;
	return { patient, visits, timeZone, truncated: rows.length > visitListLimit };
}

export async function getVisit(db: Database, actor: Actor, patientId: string, encounterId: string): Promise<VisitDetail> {
	const access = await authorizePatient(db, actor, patientId, { action: 'visit.history_view', require: ['clinical'], resourceType: 'encounter', resourceId: encounterId });
	return loadVisit(db, access.patientId, encounterId);
}

async function loadVisit(db: Database, patientId: string, encounterId: string): Promise<VisitDetail> {
	const [patient, [row], timeZone] = await Promise.all([
		selectPatient(db, patientId),
		selectVisits(db).where(and(eq(encounters.id, encounterId), eq(encounters.patientId, patientId))),
		clinicTimeZone(db)
	]);
	// The same answer for "no such visit" and "another patient's": an address reveals nothing.
	if (!row) throw new NotFound('No visit with that id for this patient.');
	const [visit] = await withCounts(db, [row]);
	const consultIds = row.consultId ? [row.consultId] : [];
	const [note, timeline, addenda, recordingList] = await Promise.all([
		readNoteLines(db, encounterId),
		listTimeline(db, consultIds),
		listAddenda(db, encounterId),
		listRecordingsForConsults(db, consultIds)
	]);
	return { patient, visit: visit!, timeZone, note, timeline, addenda, recordings: recordingList };
}

/** A clinician adds a timestamped, attributed addendum to a visit; it is never edited afterwards. */
export async function addAddendum(db: Database, actor: Actor, patientId: string, encounterId: string, text: string): Promise<Addendum> {
	if (!isClinician(actor)) {
		await recordAuditEvent(db, actor, { action: 'visit.addendum', outcome: 'denied', patientId, resourceType: 'encounter', resourceId: encounterId, reason: 'role' });
		throw new AccessDenied('Addenda are written by physicians and nurses.');
	}
	const access = await authorizePatient(db, actor, patientId, { action: 'visit.addendum', require: ['clinical'], resourceType: 'encounter', resourceId: encounterId });
	const [encounter] = await db
		.select({ id: encounters.id })
		.from(encounters)
		.where(and(eq(encounters.id, encounterId), eq(encounters.patientId, access.patientId)));
	if (!encounter) throw new NotFound('No visit with that id for this patient.');
	const body = typeof text === 'string' ? text.replace(/\r\n?/g, '\n').trim() : '';
	if (body === '') throw new ConsultRefusal('invalid', 'Write the addendum before saving it.');
	if (body.length > maxAddendumLength) throw new ConsultRefusal('invalid', `An addendum can be at most ${maxAddendumLength} characters; this one has ${body.length}.`);
	// clock_timestamp: two addenda saved in quick succession keep the order they were written in.
	const [row] = await db
		.insert(visitAddenda)
		.values({ encounterId, authorUserId: actor.userId, authorName: actor.displayName, text: body, createdAt: sql`clock_timestamp()` })
		.returning();
	return toAddendum(row!);
}

export interface VisitPdf {
	bytes: Uint8Array;
	filename: string;
}

/** The visit as a PDF (note, timeline, addenda, recordings listed); audited as visit.export. */
export async function exportVisitPdf(db: Database, actor: Actor, patientId: string, encounterId: string): Promise<VisitPdf> {
	const access = await authorizePatient(db, actor, patientId, { action: 'visit.export', require: ['clinical'], resourceType: 'encounter', resourceId: encounterId });
	const detail = await loadVisit(db, access.patientId, encounterId);
	const { renderVisitPdf } = await import('./visit-pdf');
	const bytes = await renderVisitPdf(detail, { exportedBy: actor.displayName, exportedAt: new Date() });
	return { bytes, filename: `visit-${detail.visit.startAt.slice(0, 10)}-${encounterId.slice(0, 8)}.pdf` };
}

// ---------------------------------------------------------------------------------------------

async function selectPatient(db: Database, patientId: string): Promise<VisitPatient> {
	const [patient] = await db
		.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName, birthDate: patients.birthDate, mrn: patients.mrn })
		.from(patients)
		.where(eq(patients.id, patientId));
	if (!patient) throw new NotFound('No patient with that id.');
	return patient;
}

function selectVisits(db: Database) {
	return db
		.select({
			id: encounters.id,
			kind: encounters.kind,
			status: encounters.status,
			startAt: encounters.startAt,
			endAt: encounters.endAt,
			reason: encounters.reason,
			practitionerGiven: practitioners.givenName,
			practitionerFamily: practitioners.familyName,
			practitionerCredentials: practitioners.credentials,
			consultId: consults.id,
			consultStatus: consults.status,
			consultTransport: consults.transport,
			consultStartedAt: consults.startedAt,
			consultEndedAt: consults.endedAt
		})
		.from(encounters)
		.leftJoin(practitioners, eq(practitioners.id, encounters.practitionerId))
		.leftJoin(consults, eq(consults.encounterId, encounters.id))
		.$dynamic();
}

type VisitRow = Awaited<ReturnType<ReturnType<typeof selectVisits>['execute']>>[number];

async function withCounts(db: Database, rows: VisitRow[]): Promise<VisitSummary[]> {
	// One consult per encounter is how consults are made; should a second appear, show the first.
	const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
	const encounterIds = unique.map((r) => r.id);
	const consultIds = unique.map((r) => r.consultId).filter((id): id is string => id !== null);
	const [addendaCounts, recordingCounts] = await Promise.all([
		encounterIds.length === 0
			? []
			: db.select({ id: visitAddenda.encounterId, n: count() }).from(visitAddenda).where(inArray(visitAddenda.encounterId, encounterIds)).groupBy(visitAddenda.encounterId),
		consultIds.length === 0
			? []
			: db.select({ id: recordings.consultId, n: count() }).from(recordings).where(inArray(recordings.consultId, consultIds)).groupBy(recordings.consultId)
	]);
	const addenda = new Map(addendaCounts.map((r) => [r.id, Number(r.n)]));
	const recorded = new Map(recordingCounts.map((r) => [r.id, Number(r.n)]));
	return unique.map((row) => {
		const name = row.practitionerFamily === null ? null : `${row.practitionerGiven ?? ''} ${row.practitionerFamily}`.trim();
		return {
			encounterId: row.id,
			kind: row.kind,
			status: row.status,
			startAt: row.startAt.toISOString(),
			endAt: row.endAt?.toISOString() ?? null,
			reason: row.reason,
			practitionerName: name && row.practitionerCredentials ? `${name}, ${row.practitionerCredentials}` : name,
			consult: row.consultId
				? {
						id: row.consultId,
						status: row.consultStatus!,
						transport: row.consultTransport!,
						startedAt: row.consultStartedAt?.toISOString() ?? null,
						endedAt: row.consultEndedAt?.toISOString() ?? null
					}
				: null,
			addendaCount: addenda.get(row.id) ?? 0,
			recordingCount: row.consultId ? (recorded.get(row.consultId) ?? 0) : 0,
			noteExcerpt: null
		};
	});
}

async function listTimeline(db: Database, consultIds: string[]): Promise<TimelineEntry[]> {
	if (consultIds.length === 0) return [];
	const rows = await db
		.select({ at: consultEvents.at, kind: consultEvents.kind, source: consultEvents.source, detail: consultEvents.detail, who: users.displayName })
		.from(consultEvents)
		.leftJoin(users, eq(users.id, consultEvents.userId))
		.where(inArray(consultEvents.consultId, consultIds))
		.orderBy(asc(consultEvents.at));
	return rows.map((row) => ({ at: row.at.toISOString(), kind: row.kind, label: timelineLabel(row.kind, row.detail), who: row.who, source: row.source }));
}

const timelineLabels: Record<ConsultEventKind, string> = {
	created: 'Consult room opened',
	waiting: 'Entered the waiting room',
	admitted: 'Admitted to the call',
	declined: 'Turned away from the waiting room',
	joined: 'Joined the call',
	left: 'Left the call',
	removed: 'Removed from the call',
	message_to_waiting: 'Message to the waiting room',
	document_shared: 'Shared a report',
	recording_consent_granted: 'Agreed to recording',
	recording_consent_withdrawn: 'Withdrew consent to recording',
	recording_started: 'Recording started',
	recording_stopped: 'Recording stopped',
	ended: 'Consult ended'
};

const stopReasons: Record<string, string> = {
	host: 'by the host',
	consent_withdrawn: 'consent withdrawn',
	call_ended: 'the call ended',
	failed: 'the recorder failed'
};

export function timelineLabel(kind: ConsultEventKind, detail: Record<string, string | number | boolean | null>): string {
	const base = timelineLabels[kind] ?? kind;
	if (kind === 'recording_stopped' && typeof detail.reason === 'string' && stopReasons[detail.reason]) return `${base} (${stopReasons[detail.reason]})`;
	return base;
}

async function listAddenda(db: Database, encounterId: string): Promise<Addendum[]> {
	const rows = await db.select().from(visitAddenda).where(eq(visitAddenda.encounterId, encounterId)).orderBy(asc(visitAddenda.createdAt), asc(visitAddenda.id));
	return rows.map(toAddendum);
}

function toAddendum(row: typeof visitAddenda.$inferSelect): Addendum {
	return { id: row.id, authorName: row.authorName, text: row.text, createdAt: row.createdAt.toISOString() };
}
