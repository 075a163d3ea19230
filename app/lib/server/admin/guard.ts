import type { Database } from '../../../../db/client';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';

/**
 * Clinic administration is a role-level permission ('clinic.manage'), decided by the access
 * module. A refusal is audited under the action that was attempted, then thrown.
 */
export async function requireClinicManager(db: Database, actor: Actor, action: AuditAction): Promise<void> {
	try {
		requirePermission(actor, 'clinic.manage');
	} catch (error) {
		if (error instanceof AccessDenied) {
			await recordAuditEvent(db, actor, { action, outcome: 'denied', reason: 'role may not manage the clinic' });
		}
		throw error;
	}
}

/**
 * A change the clinic's rules forbid (the last administrator demoting themselves, a patient
 * account given a staff role…). `message` is written for the person who tried.
 */
export class AdminRuleViolation extends Error {
	readonly status = 409;
	constructor(message: string) {
		super(message);
		this.name = 'AdminRuleViolation';
	}
}
