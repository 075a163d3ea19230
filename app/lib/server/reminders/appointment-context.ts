import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics, locations, patients, practitioners, type CommunicationPreferences, type Language } from '../../../../db/schema/index';
import { appointments, appointmentTypes, schedulingSettings, type Appointment } from '../../../../db/schema/scheduling';
import { fallbackOrigin, reminderContext } from './reminder-context';
import { resolveLanguage, type MessageContext } from './reminder-templates';

/** The clinic-wide reminder defaults (scheduling_settings), or the schema's defaults before the row exists. */
export interface ReminderDefaults {
	emailLeadHours: number[];
	smsLeadHours: number[];
	responseDeadlineHours: number;
}

export const schemaReminderDefaults: ReminderDefaults = { emailLeadHours: [24], smsLeadHours: [2], responseDeadlineHours: 4 };

export async function readReminderDefaults(db: Database): Promise<ReminderDefaults> {
	const [row] = await db
		.select({ emailLeadHours: schedulingSettings.emailLeadHours, smsLeadHours: schedulingSettings.smsLeadHours, responseDeadlineHours: schedulingSettings.responseDeadlineHours })
		.from(schedulingSettings)
		.limit(1);
	return row ?? schemaReminderDefaults;
}

/** Everything a message about one appointment needs, read in one go. */
export interface AppointmentForMessages {
	appointment: Appointment;
	patient: { id: string; givenName: string; familyName: string; email: string | null; phone: string | null; preferredLanguage: Language; communicationPreferences: CommunicationPreferences };
	practitionerName: string;
	typeName: string;
	location: { name: string; address: string; timeZone: string } | null;
	clinic: { name: string; timeZone: string; defaultLanguage: Language };
}

export async function loadAppointmentForMessages(db: Database, appointmentId: string): Promise<AppointmentForMessages | null> {
	const [row] = await db
		.select({
			appointment: appointments,
			patient: {
				id: patients.id,
				givenName: patients.givenName,
				familyName: patients.familyName,
				email: patients.email,
				phone: patients.phone,
				preferredLanguage: patients.preferredLanguage,
				communicationPreferences: patients.communicationPreferences
			},
			practitioner: { givenName: practitioners.givenName, familyName: practitioners.familyName, credentials: practitioners.credentials },
			typeName: appointmentTypes.name,
			location: { name: locations.name, addressLine: locations.addressLine, city: locations.city, region: locations.region, postalCode: locations.postalCode, timeZone: locations.timeZone }
		})
		.from(appointments)
		.innerJoin(patients, eq(patients.id, appointments.patientId))
		.innerJoin(practitioners, eq(practitioners.id, appointments.practitionerId))
		.innerJoin(appointmentTypes, eq(appointmentTypes.id, appointments.appointmentTypeId))
		.leftJoin(locations, eq(locations.id, appointments.locationId))
		.where(eq(appointments.id, appointmentId));
	if (!row) return null;
	const [clinic] = await db.select({ name: clinics.name, timeZone: clinics.timeZone, defaultLanguage: clinics.defaultLanguage }).from(clinics).limit(1);
	const p = row.practitioner;
	const l = row.location;
	return {
		appointment: row.appointment,
		patient: row.patient,
		practitionerName: `${p.givenName} ${p.familyName}${p.credentials ? `, ${p.credentials}` : ''}`,
		typeName: row.typeName,
		location: l?.name ? { name: l.name, address: [l.addressLine, l.city, [l.region, l.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', '), timeZone: l.timeZone } : null,
		clinic: clinic ?? { name: 'ClinicSync', timeZone: 'UTC', defaultLanguage: 'en' }
	};
}

/** The zone the visit's times are written in: its location's, else the clinic's. */
export function timeZoneOf(a: AppointmentForMessages): string {
	return a.location?.timeZone ?? a.clinic.timeZone;
}

export function languageOf(a: AppointmentForMessages): Language {
	return resolveLanguage(a.patient.preferredLanguage, a.clinic.defaultLanguage);
}

export function linkOriginForMessages(): string {
	return reminderContext()?.origin ?? fallbackOrigin;
}

export function messageContextOf(a: AppointmentForMessages, language: Language = languageOf(a)): MessageContext {
	return {
		language,
		clinicName: a.clinic.name,
		firstName: a.patient.givenName,
		startsAt: a.appointment.startsAt,
		timeZone: timeZoneOf(a),
		typeName: a.typeName,
		practitionerName: a.practitionerName,
		modality: a.appointment.modality,
		locationName: a.location?.name ?? null,
		locationAddress: a.location?.address ?? '',
		portalUrl: `${linkOriginForMessages()}/portal/appointments`
	};
}
