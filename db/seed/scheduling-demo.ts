import { and, eq, inArray, or } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../client';
import {
	appointments,
	appointmentTypes,
	availabilityRules,
	careTeamMembers,
	careTeams,
	patients,
	practitioners,
	schedulingSettings,
	type AppointmentModality,
	type NewAppointment,
	type NewAppointmentType,
	type NewAvailabilityRule
} from '../schema/index';
import { insertInBatches } from './batch-insert';
import { SeededRandom } from './random';

/**
 * The demo clinic's schedule: appointment types, every provider's weekly hours at their primary
 * location (Mon–Fri with some variety: an early starter, a long Tuesday, a short Friday), the
 * scheduling settings row, and upcoming visits — a few for the named demo patients with their own
 * clinicians, and a scatter for others so calendars do not look empty. Deterministic for one
 * seed and one "now". Past visits come from appointment-history.ts.
 */

export interface DemoScheduleInput {
	clinicId: string;
	clinicTimeZone: string;
	locations: { id: string; timeZone: string }[];
	practitioners: { id: string; primaryLocationId: string | null }[];
	patientIds: string[];
	now: Date;
	seed: number;
}

export const demoAppointmentTypes: Omit<NewAppointmentType, 'id'>[] = [
	{ name: 'New patient visit', modality: 'in_person', durationMinutes: 40, bufferMinutes: 10, description: 'A first visit: history, examination and a plan.' },
	{ name: 'Follow-up', modality: 'in_person', durationMinutes: 20, bufferMinutes: 5, description: 'A shorter visit about something already being looked after.' },
	{ name: 'Telehealth follow-up', modality: 'telehealth', durationMinutes: 20, bufferMinutes: 0, description: 'A video visit from home.' },
	{ name: 'Annual exam', modality: 'in_person', durationMinutes: 40, bufferMinutes: 10, description: 'The yearly check-up and screenings.' },
	{ name: 'Nurse visit', modality: 'in_person', durationMinutes: 15, bufferMinutes: 5, description: 'Vaccinations, blood pressure checks, dressings.' },
	{ name: 'Procedure', modality: 'in_person', durationMinutes: 60, bufferMinutes: 15, description: 'Minor procedures; booked by the clinic.', portalBookable: false }
];

interface Block {
	weekdays: number[];
	start: string;
	end: string;
	modalities?: AppointmentModality[];
}

/** Weekly patterns, handed out to providers in order; nurses get the last one. */
const physicianPatterns: Block[][] = [
	[
		{ weekdays: [1, 2, 3, 4, 5], start: '08:30', end: '12:30' },
		{ weekdays: [1, 2, 3, 4], start: '13:30', end: '17:00' },
		{ weekdays: [5], start: '13:30', end: '15:30', modalities: ['telehealth'] },
		// Dr. Chen's weekend video clinic: a video visit is always bookable within a day (the
		// portal journey in e2e books one that close, whatever day the suite runs).
		{ weekdays: [6, 7], start: '09:00', end: '13:00', modalities: ['telehealth'] }
	],
	[
		{ weekdays: [1, 2, 3, 4, 5], start: '08:00', end: '12:00' },
		{ weekdays: [1, 3, 4, 5], start: '13:00', end: '16:30' },
		{ weekdays: [2], start: '13:00', end: '18:30' }
	],
	[
		{ weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '12:30' },
		{ weekdays: [1, 2, 3, 4], start: '13:30', end: '17:30' }
	],
	[
		{ weekdays: [1, 2, 4, 5], start: '08:30', end: '12:30' },
		{ weekdays: [1, 2, 4, 5], start: '13:30', end: '17:00' },
		{ weekdays: [3], start: '10:00', end: '14:00', modalities: ['telehealth'] }
	]
];
const nursePattern: Block[] = [
	{ weekdays: [1, 2, 3, 4, 5], start: '08:00', end: '12:00', modalities: ['in_person'] },
	{ weekdays: [1, 2, 3, 4, 5], start: '13:00', end: '16:00' }
];

const reasons = [
	'Blood pressure follow-up',
	'Annual check-up',
	'Cough for two weeks',
	'Medication review',
	'Knee pain after running',
	'Diabetes follow-up',
	'Flu vaccination',
	'Lab results',
	'Skin rash',
	'Sleep problems'
];

const minutes = (hhmm: string) => {
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	return h * 60 + m;
};

/** Appointment types, providers' weekly hours, scheduling settings and a few upcoming visits. */
export async function seedDemoSchedule(tx: Database, input: DemoScheduleInput): Promise<{ appointmentTypes: number; availabilityRules: number; appointments: number }> {
	const random = new SeededRandom(input.seed + 6006);
	const types = await tx.insert(appointmentTypes).values(demoAppointmentTypes).returning();
	const typeByName = new Map(types.map((t) => [t.name, t]));
	await tx.insert(schedulingSettings).values({ clinicId: input.clinicId }).onConflictDoNothing();

	const zoneOf = new Map(input.locations.map((l) => [l.id, l.timeZone]));
	const kinds = await tx
		.select({ id: practitioners.id, kind: practitioners.kind })
		.from(practitioners)
		.where(inArray(practitioners.id, input.practitioners.map((p) => p.id)));
	const physicianIds = new Set(kinds.filter((k) => k.kind === 'physician').map((k) => k.id));
	const rules: NewAvailabilityRule[] = [];
	const hoursOf = new Map<string, { locationId: string; timeZone: string; blocks: Block[] }>();
	let physicianIndex = 0;
	for (const practitioner of input.practitioners) {
		const locationId = practitioner.primaryLocationId ?? input.locations[0]?.id;
		if (!locationId) continue;
		const timeZone = zoneOf.get(locationId) ?? input.clinicTimeZone;
		const blocks = physicianIds.has(practitioner.id) ? physicianPatterns[physicianIndex++ % physicianPatterns.length]! : nursePattern;
		hoursOf.set(practitioner.id, { locationId, timeZone, blocks });
		for (const block of blocks) {
			for (const weekday of block.weekdays) {
				rules.push({
					practitionerId: practitioner.id,
					locationId,
					weekday,
					startMinute: minutes(block.start),
					endMinute: minutes(block.end),
					timeZone,
					modalities: block.modalities ?? ['in_person', 'telehealth']
				});
			}
		}
	}
	await insertInBatches(tx, availabilityRules, rules);

	// Upcoming visits: the named patients with their primary clinician, then a scatter.
	const named = await tx
		.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName, practitionerId: careTeamMembers.practitionerId })
		.from(patients)
		.innerJoin(careTeams, eq(careTeams.patientId, patients.id))
		.innerJoin(careTeamMembers, and(eq(careTeamMembers.careTeamId, careTeams.id), eq(careTeamMembers.role, 'primary')))
		.where(
			or(
				and(eq(patients.givenName, 'Maria'), eq(patients.familyName, 'Garcia')),
				and(eq(patients.givenName, 'Mia'), eq(patients.familyName, 'Johnson')),
				and(eq(patients.givenName, 'Walter'), eq(patients.familyName, 'Brooks'))
			)
		);
	const primaries = await tx
		.select({ patientId: careTeams.patientId, practitionerId: careTeamMembers.practitionerId })
		.from(careTeams)
		.innerJoin(careTeamMembers, and(eq(careTeamMembers.careTeamId, careTeams.id), eq(careTeamMembers.role, 'primary')))
		.where(inArray(careTeams.patientId, input.patientIds.slice(0, 400)));
	const held = new Map<string, [number, number][]>();
	const free = (practitionerId: string, start: number, end: number) => !(held.get(practitionerId) ?? []).some(([s, e]) => s < end && start < e);
	const rows: NewAppointment[] = [];
	const place = (patientId: string, practitionerId: string, typeName: string, dayOffset: number, wantedMinute: number, reason: string) => {
		const hours = hoursOf.get(practitionerId);
		const type = typeByName.get(typeName);
		if (!hours || !type) return;
		const today = DateTime.fromJSDate(input.now, { zone: hours.timeZone }).startOf('day');
		for (let extra = 0; extra < 14; extra++) {
			const day = today.plus({ days: dayOffset + extra });
			for (const block of hours.blocks) {
				if (!block.weekdays.includes(day.weekday)) continue;
				if (block.modalities && !block.modalities.includes(type.modality)) continue;
				const first = Math.max(minutes(block.start), wantedMinute - (wantedMinute % 15));
				for (let m = first; m + type.durationMinutes + type.bufferMinutes <= minutes(block.end); m += 15) {
					const start = day.set({ hour: Math.floor(m / 60), minute: m % 60 }).toJSDate();
					const end = new Date(start.getTime() + type.durationMinutes * 60_000);
					const until = new Date(end.getTime() + type.bufferMinutes * 60_000);
					if (!free(practitionerId, start.getTime(), until.getTime())) continue;
					held.set(practitionerId, [...(held.get(practitionerId) ?? []), [start.getTime(), until.getTime()]]);
					rows.push({
						patientId,
						practitionerId,
						locationId: hours.locationId,
						appointmentTypeId: type.id,
						modality: type.modality,
						startsAt: start,
						endsAt: end,
						occupiedUntil: until,
						status: random.chance(0.4) ? 'confirmed' : 'booked',
						confirmedAt: null,
						reason,
						bookedVia: random.chance(0.3) ? 'portal' : 'staff'
					});
					const last = rows[rows.length - 1]!;
					if (last.status === 'confirmed') last.confirmedAt = input.now;
					return;
				}
			}
		}
	};
	for (const patient of named) {
		if (patient.givenName === 'Maria') place(patient.id, patient.practitionerId, 'Follow-up', 6, minutes('10:00'), 'Blood pressure follow-up');
		if (patient.givenName === 'Mia') place(patient.id, patient.practitionerId, 'Annual exam', 9, minutes('15:00'), 'School check-up');
		if (patient.givenName === 'Walter') {
			place(patient.id, patient.practitionerId, 'Telehealth follow-up', 3, minutes('11:00'), 'Medication review');
			place(patient.id, patient.practitionerId, 'Follow-up', 17, minutes('09:30'), 'Memory follow-up');
		}
	}
	const namedIds = new Set(named.map((n) => n.id));
	const others = primaries.filter((p) => !namedIds.has(p.patientId));
	const scatter = Math.min(40, others.length);
	const typeNames = ['Follow-up', 'Follow-up', 'Telehealth follow-up', 'Annual exam', 'New patient visit'];
	for (let i = 0; i < scatter; i++) {
		const patient = others[random.int(0, others.length - 1)]!;
		place(patient.patientId, patient.practitionerId, random.pick(typeNames), random.int(1, 20), random.int(8, 16) * 60 + random.pick([0, 15, 30, 45]), random.pick(reasons));
	}
	// Nurse visits for some patients with the nurses.
	const nurses = input.practitioners.filter((p) => !physicianIds.has(p.id));
	for (let i = 0; i < Math.min(8, others.length) && nurses.length; i++) {
		const patient = others[random.int(0, others.length - 1)]!;
		place(patient.patientId, random.pick(nurses).id, 'Nurse visit', random.int(1, 14), random.int(8, 11) * 60, random.pick(['Flu vaccination', 'Blood pressure check', 'Dressing change']));
	}
	await insertInBatches(tx, appointments, rows);
	return { appointmentTypes: types.length, availabilityRules: rules.length, appointments: rows.length };
}
