/**
 * Clinic-wide scheduling settings: reminder defaults (email 24 h, SMS 2 h), the response
 * deadline, the slot grid and the portal's booking window. One row, created on first use.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics, schedulingSettings, type SchedulingSettings } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { requirePermission } from '../access/patient-access';
import { AccessDenied } from '../access/errors';
import { recordAuditEvent } from '../audit/audit-log';
import { publishScheduleChange } from './schedule-changes';
import { SchedulingRefusal } from './errors';

export type { SchedulingSettings };

/** The clinic's settings row; created with the schema's defaults the first time it is read. */
export async function getSchedulingSettings(db: Database): Promise<SchedulingSettings> {
	const [row] = await db.select().from(schedulingSettings).limit(1);
	if (row) return row;
	const [clinic] = await db.select({ id: clinics.id }).from(clinics).limit(1);
	if (!clinic) throw new SchedulingRefusal('invalid', 'The clinic has not been set up yet.');
	await db.insert(schedulingSettings).values({ clinicId: clinic.id }).onConflictDoNothing();
	const [created] = await db.select().from(schedulingSettings).where(eq(schedulingSettings.clinicId, clinic.id));
	return created!;
}

/** The clinic's IANA time zone (its days are the days of capacity and reports). */
export async function clinicTimeZone(db: Database): Promise<string> {
	const [clinic] = await db.select({ timeZone: clinics.timeZone }).from(clinics).limit(1);
	return clinic?.timeZone ?? 'UTC';
}

export interface SchedulingSettingsPatch {
	emailLeadHours?: number[];
	smsLeadHours?: number[];
	responseDeadlineHours?: number;
	slotStepMinutes?: number;
	bookingHorizonDays?: number;
	minimumNoticeHours?: number;
}

const leadHoursOk = (hours: number[]) => hours.length <= 4 && hours.every((h) => Number.isInteger(h) && h >= 1 && h <= 336);
const wholeBetween = (value: number, low: number, high: number) => Number.isInteger(value) && value >= low && value <= high;

export async function updateSchedulingSettings(db: Database, actor: Actor, patch: SchedulingSettingsPatch): Promise<SchedulingSettings> {
	try {
		requirePermission(actor, 'schedule.manage');
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action: 'schedule.settings_change', outcome: 'denied', resourceType: 'scheduling_settings', reason: 'role' });
		throw error;
	}
	if (patch.emailLeadHours && !leadHoursOk(patch.emailLeadHours)) throw new SchedulingRefusal('invalid', 'Email reminder times must be up to four whole numbers of hours from 1 to 336.');
	if (patch.smsLeadHours && !leadHoursOk(patch.smsLeadHours)) throw new SchedulingRefusal('invalid', 'Text message reminder times must be up to four whole numbers of hours from 1 to 336.');
	if (patch.responseDeadlineHours !== undefined && !wholeBetween(patch.responseDeadlineHours, 0, 168))
		throw new SchedulingRefusal('invalid', 'The response deadline must be a whole number of hours from 0 to 168.');
	if (patch.slotStepMinutes !== undefined && ![5, 10, 15, 20, 30, 60].includes(patch.slotStepMinutes))
		throw new SchedulingRefusal('invalid', 'Slots can start every 5, 10, 15, 20, 30 or 60 minutes.');
	if (patch.bookingHorizonDays !== undefined && !wholeBetween(patch.bookingHorizonDays, 1, 730))
		throw new SchedulingRefusal('invalid', 'Patients can book from 1 to 730 days ahead.');
	if (patch.minimumNoticeHours !== undefined && !wholeBetween(patch.minimumNoticeHours, 0, 336))
		throw new SchedulingRefusal('invalid', 'The minimum notice must be a whole number of hours from 0 to 336.');
	const current = await getSchedulingSettings(db);
	const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as SchedulingSettingsPatch;
	const [row] = await db.transaction(async (tx) => {
		const updated = await tx
			.update(schedulingSettings)
			.set({ ...values, updatedAt: sql`now()` })
			.where(eq(schedulingSettings.clinicId, current.clinicId))
			.returning();
		await recordAuditEvent(tx, actor, {
			action: 'schedule.settings_change',
			outcome: 'success',
			resourceType: 'scheduling_settings',
			resourceId: current.clinicId,
			reason: `changed: ${Object.keys(values).join(',') || 'nothing'}`
		});
		return updated;
	});
	publishScheduleChange({ kind: 'availability', appointmentId: null, practitionerIds: [], days: [] });
	return row!;
}
