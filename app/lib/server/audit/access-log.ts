import { and, desc, eq, inArray, isNotNull, lt, notInArray } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { auditEvents, breakGlassAccesses, users } from '../../../../db/schema/index';
import type { PatientAgency } from '../access/patient-access';
import type { AuditAction } from './audit-log';

/**
 * "Who looked at my record": the accesses to one patient's record by other people — clinic
 * staff, practitioners and outside people it was shared with — read from the audit trail.
 * The patient's own views and their proxies' are left out. Emergency ("break the glass")
 * accesses come first, each with the reason the clinician gave.
 */

/** The actions that count as looking at (or changing) the record; the page words them. */
export const accessLogActions = ['patient.view', 'document.view', 'document.upload', 'patient.update', 'patient.break_glass'] as const satisfies readonly AuditAction[];
type LoggedAction = (typeof accessLogActions)[number];

export interface AccessLogEntry {
	id: number;
	occurredAt: string;
	personName: string;
	/** The role the person acted in: 'physician', 'external', … */
	role: string;
	action: LoggedAction;
	/** Set for emergency access: the reason the clinician gave. */
	reason: string | null;
	/** The access came through break-the-glass (the access itself, or a view it allowed). */
	emergency: boolean;
}

export interface EmergencyAccess {
	id: string;
	personName: string;
	role: string;
	reason: string;
	startedAt: string;
	expiresAt: string;
}

export const accessLogPageSize = 50;

export async function patientAccessLog(
	db: Database,
	agency: PatientAgency,
	options: { before?: number; pageSize?: number } = {}
): Promise<{ entries: AccessLogEntry[]; emergencies: EmergencyAccess[]; nextBefore: number | null }> {
	const pageSize = options.pageSize ?? accessLogPageSize;
	const [rows, emergencies] = await Promise.all([
		db
			.select({
				id: auditEvents.id,
				occurredAt: auditEvents.occurredAt,
				personName: users.displayName,
				role: auditEvents.actorRole,
				action: auditEvents.action,
				reason: auditEvents.reason
			})
			.from(auditEvents)
			.innerJoin(users, eq(users.id, auditEvents.actorUserId))
			.where(
				and(
					eq(auditEvents.patientId, agency.patientId),
					eq(auditEvents.outcome, 'success'),
					inArray(auditEvents.action, [...accessLogActions]),
					isNotNull(auditEvents.actorRole),
					// The patient's own views, and those of people acting for them, are not "others".
					notInArray(auditEvents.actorRole, ['patient', 'proxy']),
					options.before ? lt(auditEvents.id, options.before) : undefined
				)
			)
			.orderBy(desc(auditEvents.id))
			.limit(pageSize + 1),
		db
			.select({
				id: breakGlassAccesses.id,
				personName: users.displayName,
				role: users.role,
				reason: breakGlassAccesses.reason,
				startedAt: breakGlassAccesses.startedAt,
				expiresAt: breakGlassAccesses.expiresAt
			})
			.from(breakGlassAccesses)
			.innerJoin(users, eq(users.id, breakGlassAccesses.userId))
			.where(eq(breakGlassAccesses.patientId, agency.patientId))
			.orderBy(desc(breakGlassAccesses.startedAt))
	]);
	const page = rows.slice(0, pageSize);
	return {
		entries: page.map((r) => {
			const action = r.action as LoggedAction;
			const emergency = action === 'patient.break_glass' || /\bbreak-glass\b/.test(r.reason ?? '');
			return {
				id: Number(r.id),
				occurredAt: r.occurredAt.toISOString(),
				personName: r.personName,
				role: r.role ?? '',
				action,
				// Only the emergency's stated reason is for the patient; other reasons are system detail.
				reason: action === 'patient.break_glass' ? r.reason : null,
				emergency
			};
		}),
		emergencies: emergencies.map((e) => ({ ...e, role: e.role, startedAt: e.startedAt.toISOString(), expiresAt: e.expiresAt.toISOString() })),
		nextBefore: rows.length > pageSize ? Number(page[page.length - 1]!.id) : null
	};
}
