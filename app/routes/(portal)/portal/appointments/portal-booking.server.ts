/**
 * What the portal's appointment pages share: whose appointments (a proxy picks the person), a
 * picked slot as one form value, the free times of one day, and a refusal as the page shows it.
 * The domain work (slots, booking, access, audit) is the scheduling module's; this only adapts.
 */
import { error } from '@sveltejs/kit';
import type { Database } from '../../../../../db/client';
import type { Actor } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizeAgent } from '$lib/server/access/patient-access';
import { listAgentPatients, type AgentPatient } from '$lib/server/sharing/agent-patients';
import { fields } from '$lib/server/http/validation';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import { findSlots, type Slot } from '$lib/server/scheduling/slots';
import { addDays, clinicDayOf, startOfDay } from '$lib/server/scheduling/time';

export interface PortalPeople {
	people: AgentPatient[];
	patient: AgentPatient | null;
}

/**
 * The people whose appointments this portal user manages, and the one asked for (?patient=, or
 * the first). A request for someone not in the list goes to the access module, which refuses it
 * and audits the refusal.
 */
export async function portalPeople(db: Database, actor: Actor, url: URL): Promise<PortalPeople> {
	const people = await listAgentPatients(db, actor, 'appointments');
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	if (!patientId) return { people, patient: null };
	const patient = people.find((p) => p.patientId === patientId);
	if (patient) return { people, patient };
	try {
		await authorizeAgent(db, actor, patientId, { action: 'appointment.list', scope: 'appointments' });
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no health record at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot manage this person’s appointments. If you think you should, contact the clinic.');
		throw cause;
	}
	// Allowed after all (a grant made a moment ago): reload the list.
	const again = await listAgentPatients(db, actor, 'appointments');
	return { people: again, patient: again.find((p) => p.patientId === patientId) ?? null };
}

/** Turns access errors of a page load into the page's 403/404. */
export function accessErrorPage(cause: unknown, what = 'appointment'): never {
	if (cause instanceof NotFound) error(404, `There is no such ${what}.`);
	if (cause instanceof AccessDenied) error(403, `You cannot see this ${what}. If you think you should, contact the clinic.`);
	throw cause;
}

/** A slot as one radio value: practitioner, location and start. */
export function slotValue(slot: Pick<Slot, 'practitionerId' | 'locationId' | 'startsAt'>): string {
	return `${slot.practitionerId}|${slot.locationId}|${slot.startsAt}`;
}

export interface PickedSlot {
	practitionerId: string;
	locationId: string;
	startsAt: Date;
}

export function parseSlotValue(value: unknown): PickedSlot | null {
	if (typeof value !== 'string' || value.length > 200) return null;
	const [practitionerId, locationId, startsAt, ...rest] = value.split('|');
	if (rest.length > 0 || !practitionerId || !locationId || !startsAt) return null;
	if (!fields.uuid.safeParse(practitionerId).success || !fields.uuid.safeParse(locationId).success) return null;
	const date = new Date(startsAt);
	if (!/^\d{4}-\d{2}-\d{2}T/.test(startsAt) || Number.isNaN(date.getTime())) return null;
	return { practitionerId, locationId, startsAt: date };
}

export const isoDay = /^\d{4}-\d{2}-\d{2}$/;

export function validDay(value: string | null): string | null {
	if (!value || !isoDay.test(value)) return null;
	const date = new Date(`${value}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? value : null;
}

export interface DaySlots {
	/** The local day (clinic zone) shown. */
	day: string;
	slots: Slot[];
	/** The first day with a free time from today, when no day was asked for; null if none at all. */
	firstFreeDay: string | null;
}

/**
 * Free times a patient may book for one day in the clinic's zone. Without a day, the first day
 * that has any (within the portal's booking horizon), so "first available" lands on a real time.
 */
export async function daySlots(
	db: Database,
	input: { appointmentTypeId: string; practitionerIds?: string[]; day: string | null; timeZone: string; now?: Date }
): Promise<DaySlots> {
	const now = input.now ?? new Date();
	const today = clinicDayOf(now, input.timeZone);
	let day = input.day;
	let firstFreeDay: string | null = null;
	if (!day || day < today) {
		const [first] = await findSlots(db, {
			appointmentTypeId: input.appointmentTypeId,
			practitionerIds: input.practitionerIds,
			from: now,
			to: new Date(now.getTime() + 366 * 86_400_000),
			limit: 1,
			portal: true
		});
		firstFreeDay = first ? clinicDayOf(new Date(first.startsAt), input.timeZone) : null;
		day = firstFreeDay ?? today;
	}
	const from = startOfDay(day, input.timeZone);
	const to = startOfDay(addDays(day, 1), input.timeZone);
	const slots = await findSlots(db, {
		appointmentTypeId: input.appointmentTypeId,
		practitionerIds: input.practitionerIds,
		from: from < now ? now : from,
		to,
		limit: 200,
		portal: true
	});
	return { day, slots, firstFreeDay };
}

export interface RefusalView {
	message: string;
	code: string;
	alternatives: Slot[];
}

/**
 * A refusal as the page shows it: the sentence, and free times to pick instead. When the
 * booking core offered none (too soon, too far, outside hours), the nearest free times of the
 * same kind with the same provider, then with anyone.
 */
export async function refusalView(
	db: Database,
	refusal: SchedulingRefusal,
	context: { appointmentTypeId: string; practitionerId?: string; after?: Date }
): Promise<RefusalView> {
	let alternatives = refusal.alternatives.slice(0, 5);
	if (alternatives.length === 0 && refusal.code !== 'not_allowed_status' && refusal.code !== 'not_bookable' && refusal.code !== 'stale') {
		const from = context.after && context.after.getTime() > Date.now() ? context.after : new Date();
		const to = new Date(from.getTime() + 60 * 86_400_000);
		try {
			if (context.practitionerId) {
				alternatives = await findSlots(db, { appointmentTypeId: context.appointmentTypeId, practitionerIds: [context.practitionerId], from, to, limit: 5, portal: true });
			}
			if (alternatives.length === 0) alternatives = await findSlots(db, { appointmentTypeId: context.appointmentTypeId, from, to, limit: 5, portal: true });
		} catch (cause) {
			// Alternatives are a courtesy: a type that became unbookable meanwhile leaves none.
			if (!(cause instanceof SchedulingRefusal)) throw cause;
			alternatives = [];
		}
	}
	return { message: refusal.message, code: refusal.code, alternatives };
}

/** Text fields a patient writes: reason and notes. */
export function trimmedText(value: FormDataEntryValue | null, max: number): string {
	return typeof value === 'string' ? value.trim().slice(0, max) : '';
}
