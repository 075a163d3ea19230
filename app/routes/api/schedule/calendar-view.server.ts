/**
 * What a staff calendar shows for its address (view, date, provider, location): the entries of
 * the visible days through H1's listCalendar (authorized and audited there), working hours and
 * blocks to shade, and the choices of the filters. Shared by the /schedule page and
 * /api/schedule/calendar, so both show exactly the same.
 */
import type { Database } from '../../../../db/client';
import type { Appointment } from '../../../../db/schema/index';
import type { Actor } from '$lib/server/access/actor';
import { listCalendar, listBookableProviders } from '$lib/server/scheduling/calendar';
import { listAppointmentTypes } from '$lib/server/scheduling/appointment-types';
import { clinicTimeZone } from '$lib/server/scheduling/settings';
import { listLocations } from '$lib/server/clinic/clinic';
import { todayIn, viewRange, zoneAbbreviation, type CalendarView } from '$lib/components/schedule/calendar-layout';
import type { AppointmentTypeOption, CalendarEntry, CalendarShade, LocationOption, ProviderOption } from '$lib/components/schedule/types';

export interface CalendarParams {
	view: CalendarView;
	practitioner?: string;
	location?: string;
	date?: string;
}

export interface CalendarViewData {
	view: CalendarView;
	date: string;
	today: string;
	/** The zone the grid is drawn in: the chosen location's, else the clinic's. */
	timeZone: string;
	zoneAbbreviation: string;
	days: string[];
	from: string;
	to: string;
	practitionerId: string | null;
	locationId: string | null;
	providers: ProviderOption[];
	locations: LocationOption[];
	types: AppointmentTypeOption[];
	/** Providers shown as columns (all, or those working at the location, or the one chosen). */
	columns: { id: string; name: string }[];
	entries: CalendarEntry[];
	shades: CalendarShade[];
	/** A filter that named nothing real, in words; the view falls back to the clinic. */
	notice: string | null;
}

export async function loadCalendarView(db: Database, actor: Actor, params: CalendarParams): Promise<CalendarViewData> {
	const [locationRows, providerRows, typeRows, clinicZone] = await Promise.all([listLocations(db), listBookableProviders(db), listAppointmentTypes(db), clinicTimeZone(db)]);
	const locations: LocationOption[] = locationRows.map((l) => ({ id: l.id, name: l.name, timeZone: l.timeZone }));
	const providers: ProviderOption[] = providerRows.map((p) => ({ id: p.id, name: p.name, locations: p.locations.map((l) => ({ id: l.id, name: l.name, timeZone: l.timeZone })) }));
	let notice: string | null = null;
	let location = params.location ? locations.find((l) => l.id === params.location) : undefined;
	if (params.location && !location) notice = 'That location could not be found; showing every location.';
	let practitioner = params.practitioner ? providers.find((p) => p.id === params.practitioner) : undefined;
	if (params.practitioner && !practitioner) notice = 'That provider could not be found; showing the whole clinic.';
	if (!location) location = undefined;
	const timeZone = location?.timeZone ?? clinicZone;
	const date = params.date ?? todayIn(timeZone);
	const range = viewRange(params.view, date, timeZone);

	const calendar = await listCalendar(db, actor, {
		from: range.from,
		to: range.to,
		practitionerIds: practitioner ? [practitioner.id] : undefined,
		locationId: location?.id
	});
	const zoneOf = new Map(locations.map((l) => [l.id, l.timeZone]));
	const entries: CalendarEntry[] = calendar.appointments.map((a) => ({
		id: a.id,
		patientId: a.patientId,
		patientName: a.patientName,
		mrn: a.mrn,
		practitionerId: a.practitionerId,
		practitionerName: a.practitionerName,
		locationId: a.locationId,
		locationName: a.locationName,
		timeZone: a.timeZone ?? ((a.locationId && zoneOf.get(a.locationId)) || timeZone),
		appointmentTypeId: a.appointmentTypeId,
		typeName: a.typeName,
		modality: a.modality,
		startsAt: iso(a.startsAt),
		endsAt: iso(a.endsAt),
		status: a.status,
		urgency: a.urgency,
		reason: a.reason,
		notes: a.notes,
		flagged: a.flagged,
		flagReason: a.flagReason,
		reminderResponse: a.reminderResponse,
		version: a.version
	}));
	const locationName = new Map(locations.map((l) => [l.id, l.name]));
	const shades: CalendarShade[] = [
		...calendar.hours.map((h) => ({
			practitionerId: h.practitionerId,
			locationId: h.locationId,
			startsAt: iso(h.startsAt),
			endsAt: iso(h.endsAt),
			kind: 'hours' as const,
			label: `Working hours${h.locationId && locationName.get(h.locationId) ? ` at ${locationName.get(h.locationId)}` : ''}`
		})),
		// Extra hours are working hours too; blocks are drawn hatched and named.
		...calendar.blocks.map((b) => ({
			practitionerId: b.practitionerId,
			locationId: b.locationId ?? null,
			startsAt: iso(b.startsAt),
			endsAt: iso(b.endsAt),
			kind: b.kind === 'extra' ? ('hours' as const) : ('block' as const),
			label: b.kind === 'extra' ? 'Extra working hours' : blockLabel(b.category)
		}))
	];
	const columns = practitioner
		? [{ id: practitioner.id, name: practitioner.name }]
		: providers.filter((p) => !location || p.locations.some((l) => l.id === location.id)).map((p) => ({ id: p.id, name: p.name }));

	return {
		view: params.view,
		date,
		today: todayIn(timeZone),
		timeZone,
		zoneAbbreviation: zoneAbbreviation(range.from, timeZone),
		days: range.days,
		from: range.from.toISOString(),
		to: range.to.toISOString(),
		practitionerId: practitioner?.id ?? null,
		locationId: location?.id ?? null,
		providers,
		locations,
		types: typeRows.map((t) => ({ id: t.id, name: t.name, modality: t.modality, durationMinutes: t.durationMinutes, bufferMinutes: t.bufferMinutes })),
		columns,
		entries,
		shades,
		notice
	};
}

function iso(value: Date | string): string {
	return typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
}

function blockLabel(category: string | null | undefined): string {
	if (category === 'personal') return 'Blocked: personal';
	if (category === 'professional') return 'Blocked: professional commitment';
	return 'Blocked';
}

/** An appointment as the endpoints answer with it (no reason or notes: the caller has them). */
export function appointmentJson(a: Appointment) {
	return {
		id: a.id,
		patientId: a.patientId,
		practitionerId: a.practitionerId,
		locationId: a.locationId,
		appointmentTypeId: a.appointmentTypeId,
		modality: a.modality,
		startsAt: a.startsAt.toISOString(),
		endsAt: a.endsAt.toISOString(),
		status: a.status,
		urgency: a.urgency,
		version: a.version
	};
}
