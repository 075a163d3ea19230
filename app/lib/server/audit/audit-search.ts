import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { auditEvents, patients, users } from '../../../../db/schema/index';
import { epochDayOf, zonedInstant } from '../../../../db/seed/clinic-calendar';
import type { Actor } from '../access/actor';
import { requirePermission } from '../access/patient-access';
import { auditActions, recordAuditEvent, type AuditAction } from './audit-log';
import { toCsv } from './audit-csv';

/**
 * The clinic administrators' view of the audit trail: filter, page (newest first) and export.
 * Reading the trail is itself audited ('audit.view', 'audit.export'), with which filters were
 * used but not their values (an MRN or an email is not for the log).
 */

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const auditOutcomes = ['success', 'denied', 'failure'] as const;

/** The filters as the page's search form and the export link send them. */
export const auditFilterSchema = z
	.object({
		actor: z.preprocess(
			emptyToUndefined,
			z
				.string()
				.trim()
				.toLowerCase()
				.max(254, 'That is too long for an email address or a user id.')
				.refine((v) => uuid.test(v) || /^[^\s@]+@[^\s@]+$/.test(v), 'Enter an email address or a user id.')
				.optional()
		),
		patient: z.preprocess(
			emptyToUndefined,
			z
				.string()
				.trim()
				.max(64, 'That is too long for an MRN or a patient id.')
				.refine((v) => uuid.test(v) || /^[A-Za-z0-9-]{1,32}$/.test(v), 'Enter an MRN or a patient id.')
				.optional()
		),
		action: z.preprocess(emptyToUndefined, z.enum(auditActions, { error: 'Choose an action from the list.' }).optional()),
		outcome: z.preprocess(emptyToUndefined, z.enum(auditOutcomes, { error: 'Choose an outcome from the list.' }).optional()),
		from: z.preprocess(emptyToUndefined, z.string().regex(isoDate, 'Enter the first day as a date.').optional()),
		to: z.preprocess(emptyToUndefined, z.string().regex(isoDate, 'Enter the last day as a date.').optional()),
		/** Keyset paging: show events older than this id. */
		before: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined))
	})
	.refine((f) => !f.from || !f.to || f.from <= f.to, { path: ['to'], message: 'The last day must be on or after the first day.' });

export type AuditFilters = z.infer<typeof auditFilterSchema>;

export interface AuditRow {
	id: number;
	seq: number | null;
	occurredAt: string;
	actorUserId: string | null;
	actorName: string | null;
	actorEmail: string | null;
	actorRole: string | null;
	action: string;
	patientId: string | null;
	patientName: string | null;
	patientMrn: string | null;
	outcome: string;
	reason: string | null;
	resourceType: string | null;
	resourceId: string | null;
	sourceAddress: string | null;
	requestId: string | null;
}

function conditions(db: Database, filters: AuditFilters, timeZone: string): SQL | undefined {
	const where: (SQL | undefined)[] = [];
	if (filters.actor) {
		where.push(
			uuid.test(filters.actor)
				? eq(auditEvents.actorUserId, filters.actor)
				: inArray(auditEvents.actorUserId, db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${filters.actor}`))
		);
	}
	if (filters.patient) {
		where.push(
			uuid.test(filters.patient)
				? eq(auditEvents.patientId, filters.patient)
				: inArray(auditEvents.patientId, db.select({ id: patients.id }).from(patients).where(eq(patients.mrn, filters.patient)))
		);
	}
	if (filters.action) where.push(eq(auditEvents.action, filters.action));
	if (filters.outcome) where.push(eq(auditEvents.outcome, filters.outcome));
	// Days are the clinic's days: "from 3 March" starts at midnight in the clinic's time zone.
	if (filters.from) where.push(gte(auditEvents.occurredAt, zonedInstant(epochDayOf(filters.from), 0, timeZone)));
	if (filters.to) where.push(lt(auditEvents.occurredAt, zonedInstant(epochDayOf(filters.to) + 1, 0, timeZone)));
	if (filters.before) where.push(lt(auditEvents.id, filters.before));
	return and(...where);
}

async function queryRows(db: Database, filters: AuditFilters, timeZone: string, limit: number): Promise<AuditRow[]> {
	const rows = await db
		.select({
			id: auditEvents.id,
			seq: auditEvents.seq,
			occurredAt: auditEvents.occurredAt,
			actorUserId: auditEvents.actorUserId,
			actorName: users.displayName,
			actorEmail: users.email,
			actorRole: auditEvents.actorRole,
			action: auditEvents.action,
			patientId: auditEvents.patientId,
			givenName: patients.givenName,
			familyName: patients.familyName,
			patientMrn: patients.mrn,
			outcome: auditEvents.outcome,
			reason: auditEvents.reason,
			resourceType: auditEvents.resourceType,
			resourceId: auditEvents.resourceId,
			sourceAddress: auditEvents.sourceAddress,
			requestId: auditEvents.requestId
		})
		.from(auditEvents)
		.leftJoin(users, eq(users.id, auditEvents.actorUserId))
		.leftJoin(patients, eq(patients.id, auditEvents.patientId))
		.where(conditions(db, filters, timeZone))
		.orderBy(desc(auditEvents.id))
		.limit(limit);
	return rows.map(({ givenName, familyName, ...r }) => ({
		...r,
		id: Number(r.id),
		seq: r.seq === null ? null : Number(r.seq),
		occurredAt: r.occurredAt.toISOString(),
		patientName: givenName === null ? null : `${givenName} ${familyName}`
	}));
}

/** Which filters were used, without their values. */
function filterNames(filters: AuditFilters): string {
	const used = (['actor', 'patient', 'action', 'outcome', 'from', 'to'] as const).filter((k) => filters[k] !== undefined);
	return used.length > 0 ? `filters: ${used.join(',')}` : 'no filters';
}

/** Clinic administrators only; a refusal is audited under the action that was refused. */
export async function requireAuditAccess(db: Database, actor: Actor, action: Extract<AuditAction, 'audit.view' | 'audit.export'>): Promise<void> {
	try {
		requirePermission(actor, 'audit.view');
	} catch (error) {
		await recordAuditEvent(db, actor, { action, outcome: 'denied', resourceType: 'audit_events', reason: `role ${actor.role}` });
		throw error;
	}
}

export const auditPageSize = 50;

export async function searchAuditEvents(
	db: Database,
	actor: Actor,
	filters: AuditFilters,
	options: { timeZone: string; pageSize?: number }
): Promise<{ rows: AuditRow[]; nextBefore: number | null }> {
	await requireAuditAccess(db, actor, 'audit.view');
	const pageSize = options.pageSize ?? auditPageSize;
	// Recorded first, so a failing query still leaves a trace; it shows as the newest row.
	await recordAuditEvent(db, actor, { action: 'audit.view', outcome: 'success', resourceType: 'audit_events', reason: filterNames(filters) });
	const rows = await queryRows(db, filters, options.timeZone, pageSize + 1);
	const more = rows.length > pageSize;
	const page = rows.slice(0, pageSize);
	return { rows: page, nextBefore: more ? page[page.length - 1]!.id : null };
}

/** Enough for any audit a small clinic runs; past it the file says it was cut. */
export const auditExportLimit = 100_000;

export const auditCsvHeader = [
	'seq',
	'occurred_at_utc',
	'occurred_at_clinic',
	'actor_email',
	'actor_name',
	'actor_role',
	'action',
	'patient_mrn',
	'patient_name',
	'outcome',
	'reason',
	'resource_type',
	'resource_id',
	'source_address',
	'request_id'
] as const;

export async function exportAuditEvents(
	db: Database,
	actor: Actor,
	filters: AuditFilters,
	options: { timeZone: string; limit?: number }
): Promise<{ csv: string; rows: number; truncated: boolean }> {
	await requireAuditAccess(db, actor, 'audit.export');
	const limit = options.limit ?? auditExportLimit;
	const rows = await queryRows(db, filters, options.timeZone, limit + 1);
	const truncated = rows.length > limit;
	const kept = rows.slice(0, limit);
	await recordAuditEvent(db, actor, {
		action: 'audit.export',
		outcome: 'success',
		resourceType: 'audit_events',
		reason: `${filterNames(filters)}; ${kept.length} rows${truncated ? ' (cut)' : ''}`
	});
	const clinicTime = new Intl.DateTimeFormat('sv-SE', { timeZone: options.timeZone, dateStyle: 'short', timeStyle: 'medium' });
	const csv = toCsv(
		auditCsvHeader,
		kept.map((r) => [
			r.seq,
			r.occurredAt,
			clinicTime.format(new Date(r.occurredAt)),
			r.actorEmail,
			r.actorName,
			r.actorRole,
			r.action,
			r.patientMrn,
			r.patientName,
			r.outcome,
			r.reason,
			r.resourceType,
			r.resourceId,
			r.sourceAddress,
			r.requestId
		])
	);
	return { csv, rows: kept.length, truncated };
}
