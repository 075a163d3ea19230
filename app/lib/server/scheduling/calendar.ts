/**
 * Calendar reads: the clinic's and providers' calendars (day and week views), a patient's
 * appointments (chart and portal), one appointment. Each call passes the access module and is
 * audited once ('appointment.list' / 'appointment.view').
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, ne, type SQL } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import {
	appointments,
	appointmentTypes,
	availabilityExceptions,
	availabilityRules,
	locations,
	patients,
	practitioners,
	type AppointmentModality,
	type AppointmentStatus,
	type ReminderResponse,
	type Urgency
} from '../../../../db/schema/index';
import { isPortalUser, isStaff } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizeAgent, authorizePatient } from '../access/patient-access';
import { authorizeAppointment, authorizeCalendar, isReminderLinkActor, type SchedulingActor } from '../access/schedule-access';
import { recordAuditEvent } from '../audit/audit-log';
import { isUuid } from './appointment-types';
import { SchedulingRefusal } from './errors';
import { workingIntervals } from './slot-engine';
import { loadAvailability, practitionerDisplayName } from './slots';

export interface CalendarAppointment {
	id: string;
	patientId: string;
	patientName: string;
	mrn: string;
	practitionerId: string;
	practitionerName: string;
	locationId: string | null;
	locationName: string | null;
	appointmentTypeId: string;
	typeName: string;
	modality: AppointmentModality;
	startsAt: string;
	endsAt: string;
	/** Start + duration + buffer: what the calendar holds. */
	occupiedUntil: string;
	/** The zone the visit's hours are kept in (its location's). */
	timeZone: string | null;
	status: AppointmentStatus;
	urgency: Urgency;
	reason: string;
	notes: string;
	flagged: boolean;
	flagReason: string | null;
	reminderResponse: ReminderResponse | null;
	version: number;
	bookedVia: 'staff' | 'portal';
	rescheduleCount: number;
}

export interface CalendarBlock {
	id: string;
	practitionerId: string;
	kind: 'block' | 'extra';
	category: 'personal' | 'professional' | 'other';
	locationId: string | null;
	startsAt: string;
	endsAt: string;
	/** Staff-only note. */
	reason: string;
}

export interface CalendarHours {
	practitionerId: string;
	locationId: string;
	timeZone: string;
	startsAt: string;
	endsAt: string;
}

const selection = {
	id: appointments.id,
	patientId: appointments.patientId,
	givenName: patients.givenName,
	familyName: patients.familyName,
	mrn: patients.mrn,
	practitionerId: appointments.practitionerId,
	pGiven: practitioners.givenName,
	pFamily: practitioners.familyName,
	pCredentials: practitioners.credentials,
	pKind: practitioners.kind,
	locationId: appointments.locationId,
	locationName: locations.name,
	timeZone: locations.timeZone,
	appointmentTypeId: appointments.appointmentTypeId,
	typeName: appointmentTypes.name,
	modality: appointments.modality,
	startsAt: appointments.startsAt,
	endsAt: appointments.endsAt,
	occupiedUntil: appointments.occupiedUntil,
	status: appointments.status,
	urgency: appointments.urgency,
	reason: appointments.reason,
	notes: appointments.notes,
	flaggedAt: appointments.flaggedAt,
	flagReason: appointments.flagReason,
	reminderResponse: appointments.reminderResponse,
	version: appointments.version,
	bookedVia: appointments.bookedVia,
	rescheduleCount: appointments.rescheduleCount
};

type Row = {
	[K in keyof typeof selection]: (typeof selection)[K]['_']['data'] | (K extends 'locationName' | 'timeZone' ? null : never);
};

function toCalendarAppointment(row: Row, options: { staffNotes: boolean }): CalendarAppointment {
	return {
		id: row.id,
		patientId: row.patientId,
		patientName: `${row.givenName} ${row.familyName}`,
		mrn: row.mrn,
		practitionerId: row.practitionerId,
		practitionerName: practitionerDisplayName({ givenName: row.pGiven, familyName: row.pFamily, credentials: row.pCredentials, kind: row.pKind }),
		locationId: row.locationId,
		locationName: row.locationName,
		appointmentTypeId: row.appointmentTypeId,
		typeName: row.typeName,
		modality: row.modality,
		startsAt: row.startsAt.toISOString(),
		endsAt: row.endsAt.toISOString(),
		occupiedUntil: row.occupiedUntil.toISOString(),
		timeZone: row.timeZone,
		status: row.status,
		urgency: row.urgency,
		reason: row.reason,
		// Staff notes and flags are the clinic's, not shown on the patient side.
		notes: options.staffNotes ? row.notes : '',
		flagged: options.staffNotes ? row.flaggedAt !== null : false,
		flagReason: options.staffNotes ? row.flagReason : null,
		reminderResponse: row.reminderResponse,
		version: row.version,
		bookedVia: row.bookedVia,
		rescheduleCount: row.rescheduleCount
	};
}

function baseQuery(db: Database) {
	return db
		.select(selection)
		.from(appointments)
		.innerJoin(patients, eq(patients.id, appointments.patientId))
		.innerJoin(practitioners, eq(practitioners.id, appointments.practitionerId))
		.innerJoin(appointmentTypes, eq(appointmentTypes.id, appointments.appointmentTypeId))
		.leftJoin(locations, eq(locations.id, appointments.locationId));
}

/**
 * Appointments (cancelled ones too, for the record; the page decides whether to show them),
 * blocks and extra hours, and working hours in [from, to), for the given providers or all.
 */
export async function listCalendar(
	db: Database,
	actor: SchedulingActor,
	query: { from: Date; to: Date; practitionerIds?: string[]; locationId?: string; includeCancelled?: boolean }
): Promise<{ appointments: CalendarAppointment[]; blocks: CalendarBlock[]; hours: CalendarHours[] }> {
	if (Number.isNaN(query.from.getTime()) || Number.isNaN(query.to.getTime()) || query.to <= query.from) throw new SchedulingRefusal('invalid', 'Choose a valid date range.');
	if (query.to.getTime() - query.from.getTime() > 62 * 86_400_000) throw new SchedulingRefusal('invalid', 'A calendar shows at most two months at a time.');
	const practitionerIds = query.practitionerIds?.filter(isUuid);
	await authorizeCalendar(db, actor, { practitionerIds, from: query.from, to: query.to });
	const where: SQL[] = [lt(appointments.startsAt, query.to), gt(appointments.endsAt, query.from)];
	if (practitionerIds?.length) where.push(inArray(appointments.practitionerId, practitionerIds));
	if (query.locationId && isUuid(query.locationId)) where.push(eq(appointments.locationId, query.locationId));
	if (!query.includeCancelled) where.push(ne(appointments.status, 'cancelled'));
	const blockWhere: SQL[] = [lt(availabilityExceptions.startsAt, query.to), gt(availabilityExceptions.endsAt, query.from)];
	if (practitionerIds?.length) blockWhere.push(inArray(availabilityExceptions.practitionerId, practitionerIds));
	const [rows, blockRows, availability] = await Promise.all([
		baseQuery(db)
			.where(and(...where))
			.orderBy(asc(appointments.startsAt), asc(appointments.practitionerId)),
		db.select().from(availabilityExceptions).where(and(...blockWhere)).orderBy(asc(availabilityExceptions.startsAt)),
		loadAvailability(db, { practitionerIds: practitionerIds?.length ? practitionerIds : undefined, locationId: query.locationId, from: query.from, to: query.to })
	]);
	const hours: CalendarHours[] = [];
	for (const [, intervals] of workingIntervals(availability.rules, availability.exceptions, query.from.getTime(), query.to.getTime(), null)) {
		for (const w of intervals) {
			hours.push({ practitionerId: w.practitionerId, locationId: w.locationId, timeZone: w.timeZone, startsAt: new Date(w.start).toISOString(), endsAt: new Date(w.end).toISOString() });
		}
	}
	hours.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
	return {
		appointments: rows.map((r) => toCalendarAppointment(r as Row, { staffNotes: true })),
		blocks: blockRows.map((b) => ({
			id: b.id,
			practitionerId: b.practitionerId,
			kind: b.kind,
			category: b.category,
			locationId: b.locationId,
			startsAt: b.startsAt.toISOString(),
			endsAt: b.endsAt.toISOString(),
			reason: b.reason
		})),
		hours
	};
}

/** One patient's appointments, for the chart (staff) and the portal (the patient or a proxy with the appointments scope). */
export async function listPatientAppointments(
	db: Database,
	actor: SchedulingActor,
	patientId: string,
	options: { include: 'upcoming' | 'past' | 'all'; now?: Date }
): Promise<CalendarAppointment[]> {
	if (!isUuid(patientId)) throw new NotFound('No patient with that id.');
	if (isReminderLinkActor(actor)) {
		await recordAuditEvent(db, { sourceAddress: actor.sourceAddress }, { action: 'appointment.list', outcome: 'denied', patientId, resourceType: 'patient', resourceId: patientId, reason: 'reminder link' });
		throw new AccessDenied('This link cannot list appointments.');
	}
	if (isPortalUser(actor)) {
		await authorizeAgent(db, actor, patientId, { action: 'appointment.list', scope: 'appointments' });
	} else if (isStaff(actor)) {
		await authorizePatient(db, actor, patientId, { action: 'appointment.list', require: ['demographics'] });
	} else {
		await recordAuditEvent(db, actor, { action: 'appointment.list', outcome: 'denied', patientId, resourceType: 'patient', resourceId: patientId, reason: `role ${actor.role}` });
		throw new AccessDenied('You do not have access to these appointments.');
	}
	const now = options.now ?? new Date();
	const where: SQL[] = [eq(appointments.patientId, patientId)];
	if (options.include === 'upcoming') where.push(gte(appointments.endsAt, now));
	if (options.include === 'past') where.push(lte(appointments.endsAt, now));
	const rows = await baseQuery(db)
		.where(and(...where))
		.orderBy(options.include === 'past' ? desc(appointments.startsAt) : asc(appointments.startsAt));
	return rows.map((r) => toCalendarAppointment(r as Row, { staffNotes: isStaff(actor) }));
}

export async function getAppointment(db: Database, actor: SchedulingActor, appointmentId: string): Promise<CalendarAppointment> {
	await authorizeAppointment(db, actor, appointmentId, { action: 'appointment.view' });
	const [row] = await baseQuery(db).where(eq(appointments.id, appointmentId));
	if (!row) throw new NotFound('No appointment with that id.');
	return toCalendarAppointment(row as Row, { staffNotes: !isReminderLinkActor(actor) && isStaff(actor) });
}

export interface BookableProvider {
	id: string;
	name: string;
	kind: string;
	specialty: string;
	locations: { id: string; name: string; timeZone: string }[];
}

/** Providers with working hours, and where they work. Not patient data. */
export async function listBookableProviders(db: Database): Promise<BookableProvider[]> {
	const rows = await db
		.selectDistinct({
			id: practitioners.id,
			givenName: practitioners.givenName,
			familyName: practitioners.familyName,
			credentials: practitioners.credentials,
			kind: practitioners.kind,
			specialty: practitioners.specialty,
			locationId: locations.id,
			locationName: locations.name,
			timeZone: locations.timeZone
		})
		.from(availabilityRules)
		.innerJoin(practitioners, eq(practitioners.id, availabilityRules.practitionerId))
		.innerJoin(locations, eq(locations.id, availabilityRules.locationId));
	const byId = new Map<string, BookableProvider>();
	for (const row of rows) {
		let provider = byId.get(row.id);
		if (!provider) {
			provider = { id: row.id, name: practitionerDisplayName(row), kind: row.kind, specialty: row.specialty, locations: [] };
			byId.set(row.id, provider);
		}
		if (!provider.locations.some((l) => l.id === row.locationId)) provider.locations.push({ id: row.locationId, name: row.locationName, timeZone: row.timeZone });
	}
	const providers = [...byId.values()];
	for (const p of providers) p.locations.sort((a, b) => a.name.localeCompare(b.name));
	return providers.sort((a, b) => a.name.localeCompare(b.name));
}
