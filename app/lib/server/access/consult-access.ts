/**
 * The access seam for video consults (issue 7). A consult is patient data (who saw the patient,
 * when, and what was shown): every page load, socket action and media token passes here, and
 * every grant and refusal is audited.
 *
 *  - Staff side: the `consult.host` permission (physicians and nurses) and clinical access to the
 *    patient through authorizePatient (care team, a share, or break-glass).
 *  - Patient side: the patient themself, or a proxy whose grant carries the 'appointments' scope
 *    (authorizeAgent), for that consult's patient only.
 *
 * A consult that does not exist, or that a portal user may not know of (another patient's), is
 * NotFound: a patient cannot tell another patient's room from no room at all. Staff without the
 * permission or the clinical relationship get AccessDenied, as on the chart.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { consults, patients, type Consult } from '../../../../db/schema/index';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';
import { isPortalUser, isStaff, type Actor } from './actor';
import { AccessDenied, NotFound } from './errors';
import { authorizeAgent, authorizePatient } from './patient-access';
import { roleMay } from './policy';

export type { Consult };

export interface ConsultAccess {
	consult: Consult;
	side: 'staff' | 'patient';
	/** May run the room: the consult's host, or any clinician while it has none. */
	mayHost: boolean;
	patientName: string;
}

export interface AuthorizeConsultOptions {
	action: AuditAction;
	/**
	 * Who the action is for: 'staff' (admit, decline, message the waiting room, show a report),
	 * 'host' (end the consult, record). A patient-side actor is refused with AccessDenied, audited.
	 */
	require?: 'staff' | 'host';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => uuidPattern.test(value);

const notFoundMessage = 'There is no such consult, or it is not one you can join.';

export async function authorizeConsult(db: Database, actor: Actor, consultId: string, options: AuthorizeConsultOptions): Promise<ConsultAccess> {
	if (typeof consultId !== 'string' || !isUuid(consultId)) throw new NotFound(notFoundMessage);
	const [row] = await db
		.select({ consult: consults, patientName: sql<string>`${patients.givenName} || ' ' || ${patients.familyName}` })
		.from(consults)
		.innerJoin(patients, eq(patients.id, consults.patientId))
		.where(eq(consults.id, consultId));
	if (!row) throw new NotFound(notFoundMessage);
	const { consult, patientName } = row;
	const audit = (outcome: 'success' | 'denied', reason: string) =>
		recordAuditEvent(db, actor, { action: options.action, outcome, patientId: consult.patientId, resourceType: 'consult', resourceId: consult.id, reason });

	if (isPortalUser(actor)) {
		try {
			// Audits the refusal; the grant too unless the action is staff-only (refused below, audited once).
			await authorizeAgent(db, actor, consult.patientId, {
				action: options.action,
				scope: 'appointments',
				resourceType: 'consult',
				resourceId: consult.id,
				auditSuccess: options.require === undefined
			});
		} catch (error) {
			if (error instanceof AccessDenied) throw new NotFound(notFoundMessage);
			throw error;
		}
		if (options.require) {
			await audit('denied', `patient side; needs ${options.require}`);
			throw new AccessDenied(options.require === 'host' ? 'Only the clinician running the consult can do this.' : 'Only the clinician can do this.');
		}
		return { consult, side: 'patient', mayHost: false, patientName };
	}

	if (!isStaff(actor)) {
		// An outside person reaches shared records only, never a consult room.
		await audit('denied', `role ${actor.role}`);
		throw new NotFound(notFoundMessage);
	}
	if (!roleMay(actor.role, 'consult.host')) {
		await audit('denied', `role ${actor.role}`);
		throw new AccessDenied('Your role does not allow video consults.');
	}
	const mayHost = consult.hostUserId === null || consult.hostUserId === actor.userId;
	if (options.require === 'host' && !mayHost) {
		await audit('denied', 'not the host');
		throw new AccessDenied('Only the clinician running the consult can do this.');
	}
	// Audits both the grant and the refusal.
	await authorizePatient(db, actor, consult.patientId, { action: options.action, require: ['clinical'], resourceType: 'consult', resourceId: consult.id });
	return { consult, side: 'staff', mayHost, patientName };
}
