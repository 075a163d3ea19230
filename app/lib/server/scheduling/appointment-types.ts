/** What can be booked: name, in person or telehealth, duration and buffer, portal-bookable. */
import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointmentModalities, appointmentTypes, type AppointmentModality, type AppointmentType } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { SchedulingRefusal, sqlStateOf } from './errors';

export type { AppointmentType };

export async function listAppointmentTypes(db: Database, options: { includeInactive?: boolean; portalOnly?: boolean } = {}): Promise<AppointmentType[]> {
	const where: SQL[] = [];
	if (!options.includeInactive) where.push(eq(appointmentTypes.active, true));
	if (options.portalOnly) where.push(eq(appointmentTypes.portalBookable, true));
	return db
		.select()
		.from(appointmentTypes)
		.where(where.length ? and(...where) : undefined)
		.orderBy(asc(appointmentTypes.name));
}

export async function getAppointmentType(db: Database, id: string): Promise<AppointmentType | null> {
	if (!isUuid(id)) return null;
	const [row] = await db.select().from(appointmentTypes).where(eq(appointmentTypes.id, id));
	return row ?? null;
}

export interface AppointmentTypeInput {
	id?: string;
	name: string;
	modality: AppointmentModality;
	durationMinutes: number;
	bufferMinutes: number;
	description?: string;
	portalBookable?: boolean;
	active?: boolean;
}

/** Creates (no id) or updates a type. Existing appointments keep the times they were booked with. */
export async function saveAppointmentType(db: Database, actor: Actor, input: AppointmentTypeInput): Promise<AppointmentType> {
	try {
		requirePermission(actor, 'schedule.manage');
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action: 'schedule.type_change', outcome: 'denied', resourceType: 'appointment_type', resourceId: input.id, reason: 'role' });
		throw error;
	}
	const name = input.name?.trim() ?? '';
	if (name.length < 2 || name.length > 80) throw new SchedulingRefusal('invalid', 'Give the appointment type a name of 2 to 80 characters.');
	if (!appointmentModalities.includes(input.modality)) throw new SchedulingRefusal('invalid', 'Choose in person or telehealth.');
	if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 5 || input.durationMinutes > 480)
		throw new SchedulingRefusal('invalid', 'The duration must be a whole number of minutes from 5 to 480.');
	if (!Number.isInteger(input.bufferMinutes) || input.bufferMinutes < 0 || input.bufferMinutes > 240)
		throw new SchedulingRefusal('invalid', 'The buffer must be a whole number of minutes from 0 to 240.');
	const values = {
		name,
		modality: input.modality,
		durationMinutes: input.durationMinutes,
		bufferMinutes: input.bufferMinutes,
		description: (input.description ?? '').trim().slice(0, 500),
		portalBookable: input.portalBookable ?? true,
		active: input.active ?? true
	};
	try {
		return await db.transaction(async (tx) => {
			let row: AppointmentType | undefined;
			if (input.id) {
				if (!isUuid(input.id)) throw new NotFound('No appointment type with that id.');
				[row] = await tx.update(appointmentTypes).set({ ...values, updatedAt: new Date() }).where(eq(appointmentTypes.id, input.id)).returning();
				if (!row) throw new NotFound('No appointment type with that id.');
			} else {
				[row] = await tx.insert(appointmentTypes).values(values).returning();
			}
			await recordAuditEvent(tx, actor, { action: 'schedule.type_change', outcome: 'success', resourceType: 'appointment_type', resourceId: row!.id, reason: input.id ? 'updated' : 'created' });
			return row!;
		});
	} catch (error) {
		if (sqlStateOf(error) === '23505') throw new SchedulingRefusal('invalid', 'There is already an appointment type with that name.');
		throw error;
	}
}

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
