/**
 * What the staff calendar's pages hand their components: plain JSON with ISO instants, the shape
 * of app/lib/server/scheduling/calendar.ts's entries. Client-safe (no server imports).
 */
export type Modality = 'in_person' | 'telehealth';
export type UrgencyLevel = 'routine' | 'soon' | 'urgent';
export type AppointmentStatusName = 'booked' | 'confirmed' | 'checked_in' | 'completed' | 'no_show' | 'cancelled';

export interface CalendarEntry {
	id: string;
	patientId: string;
	patientName: string;
	mrn: string;
	practitionerId: string;
	practitionerName: string;
	locationId: string | null;
	locationName: string | null;
	/** The zone the visit's times are read in (its location's). */
	timeZone: string;
	appointmentTypeId: string;
	typeName: string;
	modality: Modality;
	startsAt: string;
	endsAt: string;
	status: AppointmentStatusName;
	urgency: UrgencyLevel;
	reason: string;
	notes: string;
	flagged: boolean;
	flagReason: string | null;
	reminderResponse: string | null;
	version: number;
}

/** A stretch of time drawn behind the appointments: working hours (light) or a block (hatched). */
export interface CalendarShade {
	practitionerId: string;
	locationId: string | null;
	startsAt: string;
	endsAt: string;
	kind: 'hours' | 'block';
	/** For a block: "Personal", "Conference"…; for hours, the location's name. */
	label: string;
}

export interface ProviderOption {
	id: string;
	name: string;
	locations: { id: string; name: string; timeZone: string }[];
}

export interface LocationOption {
	id: string;
	name: string;
	timeZone: string;
}

export interface AppointmentTypeOption {
	id: string;
	name: string;
	modality: Modality;
	durationMinutes: number;
	bufferMinutes: number;
}

/** A free time as findSlots returns it. */
export interface SlotOption {
	practitionerId: string;
	practitionerName: string;
	locationId: string;
	locationName: string;
	startsAt: string;
	endsAt: string;
	timeZone: string;
	modality: Modality;
	appointmentTypeId: string;
}

export const statusLabels: Record<AppointmentStatusName, string> = {
	booked: 'Booked',
	confirmed: 'Confirmed',
	checked_in: 'Checked in',
	completed: 'Completed',
	no_show: 'No-show',
	cancelled: 'Cancelled'
};

export const urgencyLabels: Record<UrgencyLevel, string> = { routine: 'Routine', soon: 'Soon', urgent: 'Urgent' };

export const modalityLabels: Record<Modality, string> = { in_person: 'In person', telehealth: 'Telehealth' };

/** A column of a day track: one provider on one day. */
export interface TrackColumn {
	key: string;
	/** The column's heading: a provider's name (clinic day) or a date (a provider's week). */
	label: string;
	day: string;
	practitionerId: string;
}
