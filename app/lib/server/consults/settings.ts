/**
 * Clinic-wide consult settings: waiting-room and call capacity, which roles may annotate shared
 * reports, whether recording is offered. One row, created with the schema's defaults on first use.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics, consultSettings, roles, type ConsultSettings, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { ConsultRefusal } from './errors';

export type { ConsultSettings };

/** Roles that can ever draw on a report: clinicians, and the patient side on reports shared with them. */
export const annotatingRoleChoices = ['physician', 'nurse', 'clinic_admin', 'patient', 'proxy'] as const satisfies readonly Role[];

export async function getConsultSettings(db: Database): Promise<ConsultSettings> {
	const [row] = await db.select().from(consultSettings).limit(1);
	if (row) return row;
	const [clinic] = await db.select({ id: clinics.id }).from(clinics).limit(1);
	if (!clinic) throw new ConsultRefusal('invalid', 'The clinic has not been set up yet.');
	await db.insert(consultSettings).values({ clinicId: clinic.id }).onConflictDoNothing();
	const [created] = await db.select().from(consultSettings).where(eq(consultSettings.clinicId, clinic.id));
	return created!;
}

/** May this role draw on shared reports at this clinic? (Patients still only on reports shared with them.) */
export async function roleMayAnnotate(db: Database, role: Role): Promise<boolean> {
	return (await getConsultSettings(db)).annotateRoles.includes(role);
}

export interface ConsultSettingsPatch {
	waitingRoomCapacity?: number;
	callCapacity?: number;
	annotateRoles?: Role[];
	recordingEnabled?: boolean;
}

const wholeBetween = (value: number, low: number, high: number) => Number.isInteger(value) && value >= low && value <= high;

export async function updateConsultSettings(db: Database, actor: Actor, patch: ConsultSettingsPatch): Promise<ConsultSettings> {
	try {
		requirePermission(actor, 'consult.manage');
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action: 'consult.settings_change', outcome: 'denied', resourceType: 'consult_settings', reason: 'role' });
		throw error;
	}
	if (patch.waitingRoomCapacity !== undefined && !wholeBetween(patch.waitingRoomCapacity, 1, 100))
		throw new ConsultRefusal('invalid', 'The waiting room can hold from 1 to 100 people.');
	// The peer-to-peer transport is a full mesh: four people is what a phone can carry.
	if (patch.callCapacity !== undefined && !wholeBetween(patch.callCapacity, 2, 4)) throw new ConsultRefusal('invalid', 'A call can have from 2 to 4 people.');
	if (patch.annotateRoles !== undefined) {
		const unknown = patch.annotateRoles.filter((r) => !(roles as readonly string[]).includes(r) || !(annotatingRoleChoices as readonly string[]).includes(r));
		if (unknown.length > 0) throw new ConsultRefusal('invalid', `These roles cannot annotate reports: ${unknown.join(', ')}.`);
	}
	const current = await getConsultSettings(db);
	const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ConsultSettingsPatch;
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(consultSettings)
			.set({ ...values, annotateRoles: values.annotateRoles ? [...new Set(values.annotateRoles)] : undefined, updatedAt: sql`now()` })
			.where(eq(consultSettings.clinicId, current.clinicId))
			.returning();
		await recordAuditEvent(tx, actor, {
			action: 'consult.settings_change',
			outcome: 'success',
			resourceType: 'consult_settings',
			resourceId: current.clinicId,
			reason: `changed: ${Object.keys(values).join(',') || 'nothing'}`
		});
		return row!;
	});
}
