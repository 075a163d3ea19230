import { fail, redirect } from '@sveltejs/kit';
import { isPortalUser, type Actor } from '$lib/server/access/actor';
import { authorizeAgent } from '$lib/server/access/patient-access';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import { listAppointmentTypes } from '$lib/server/scheduling/appointment-types';
import { bookAppointment } from '$lib/server/scheduling/booking';
import { listBookableProviders } from '$lib/server/scheduling/calendar';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import { clinicTimeZone, getSchedulingSettings } from '$lib/server/scheduling/settings';
import { findSlots, type Slot } from '$lib/server/scheduling/slots';
import { addDays, clinicDayOf } from '$lib/server/scheduling/time';
import { daySlots, parseSlotValue, portalPeople, refusalView, trimmedText, validDay, type DaySlots, type PickedSlot } from '../portal-booking.server';
import type { Database } from '../../../../../../db/client';
import type { Actions, PageServerLoad } from './$types';

/**
 * "Book a visit", one step per screen so it works without JavaScript: the kind of visit (portal-
 * bookable types only) → the provider or "first available" and a day → that day's free times,
 * the reason and notes → review → confirm. The choices so far travel in the query string (no
 * patient data); the reason and notes only in posted forms.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const { people, patient } = await portalPeople(db, actor, url);
	const settings = await getSchedulingSettings(db);
	const [types, providers] = await Promise.all([listAppointmentTypes(db, { portalOnly: true }), listBookableProviders(db)]);
	const timeZone = await clinicTimeZone(db);
	const today = clinicDayOf(new Date(), timeZone);
	const lastDay = addDays(today, settings.bookingHorizonDays);
	const base = {
		people,
		patient,
		types: types.map((t) => ({ id: t.id, name: t.name, modality: t.modality, durationMinutes: t.durationMinutes, description: t.description })),
		providers: providers.map((p) => ({ id: p.id, name: p.name, specialty: p.specialty })),
		clinicTimeZone: timeZone,
		today,
		lastDay,
		minimumNoticeHours: settings.minimumNoticeHours
	};
	const type = base.types.find((t) => t.id === url.searchParams.get('type')) ?? null;
	const providerParam = url.searchParams.get('provider');
	const provider = base.providers.find((p) => p.id === providerParam) ?? null;
	const requestedDay = validDay(url.searchParams.get('day'));
	const day = requestedDay && requestedDay <= lastDay ? requestedDay : null;
	const choice = { typeId: type?.id ?? null, providerId: provider?.id ?? 'any', day };
	if (!patient || !type) return { ...base, choice, found: null as DaySlots | null, unavailable: null as string | null };
	try {
		const found = await daySlots(db, { appointmentTypeId: type.id, practitionerIds: provider ? [provider.id] : undefined, day, timeZone });
		return { ...base, choice: { ...choice, day: found.day }, found, unavailable: null };
	} catch (cause) {
		if (cause instanceof SchedulingRefusal) return { ...base, choice, found: null, unavailable: cause.message };
		throw cause;
	}
};

interface BookingForm {
	patientId: string;
	appointmentTypeId: string;
	slot: PickedSlot;
	slotValue: string;
	reason: string;
	notes: string;
}

type FormValues = Record<string, string>;

/** Reads and checks the posted booking; the messages say what to fix. */
async function readBooking(request: Request): Promise<{ ok: true; form: BookingForm; values: FormValues } | { ok: false; errors: Record<string, string>; values: FormValues }> {
	let data: FormData;
	try {
		data = await request.formData();
	} catch {
		return { ok: false, errors: { form: 'The form could not be read. Reload the page and try again.' }, values: {} };
	}
	const text = (name: string) => {
		const value = data.get(name);
		return typeof value === 'string' ? value : '';
	};
	const values = {
		patientId: text('patientId').slice(0, 100),
		appointmentTypeId: text('appointmentTypeId').slice(0, 100),
		slot: text('slot').slice(0, 200),
		reason: text('reason').slice(0, 500),
		notes: text('notes').slice(0, 1400)
	};
	const errors: Record<string, string> = {};
	if (!fields.uuid.safeParse(values.appointmentTypeId).success) errors.form = 'Choose the kind of visit again.';
	const slot = parseSlotValue(values.slot);
	if (!slot) errors.slot = 'Choose a time from the list.';
	const reason = trimmedText(data.get('reason'), 10_000);
	const notes = trimmedText(data.get('notes'), 10_000);
	if (!reason) errors.reason = 'Say in a few words why you would like the visit.';
	else if (reason.length > 500) errors.reason = 'Keep the reason under 500 characters; add more in the notes.';
	if (notes.length > 1400) errors.notes = 'Keep the notes under 1,400 characters.';
	if (Object.keys(errors).length > 0 || !slot) return { ok: false, errors, values };
	return { ok: true, form: { patientId: values.patientId, appointmentTypeId: values.appointmentTypeId, slot, slotValue: values.slot, reason, notes }, values };
}

/** The free slot the patient picked, as findSlots sees it now; null when it is no longer free. */
async function stillFree(db: Database, form: BookingForm): Promise<Slot | null> {
	const start = form.slot.startsAt;
	const slots = await findSlots(db, {
		appointmentTypeId: form.appointmentTypeId,
		practitionerIds: [form.slot.practitionerId],
		locationId: form.slot.locationId,
		from: start,
		to: new Date(start.getTime() + 12 * 3_600_000),
		limit: 20,
		portal: true
	});
	return slots.find((s) => Date.parse(s.startsAt) === start.getTime() && s.locationId === form.slot.locationId) ?? null;
}

/**
 * May this portal user book for the patient named in the form? Asked before the rest of the form
 * is checked, so that someone else's patient id is refused (and audited) rather than corrected.
 */
async function guardPatient(db: Database, actor: Actor, patientId: string, values: FormValues) {
	if (!fields.uuid.safeParse(patientId).success) return fail(400, { errors: { form: 'Choose whose visit this is from the list.' }, values });
	try {
		await authorizeAgent(db, actor, patientId, { action: 'appointment.book', scope: 'appointments', auditSuccess: false });
		return null;
	} catch (cause) {
		if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'You cannot book visits for this person. If you think you should, contact the clinic.' }, values });
		if (cause instanceof NotFound) return fail(404, { errors: { form: 'There is no such health record.' }, values });
		throw cause;
	}
}

export const actions: Actions = {
	/** Checks the choices and shows them for a last look. */
	review: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { errors: { form: 'Only patients and the people they chose can book in the portal.' }, values: {} as FormValues });
		const read = await readBooking(request);
		const { db } = getRuntime().database;
		const denied = await guardPatient(db, actor, read.values.patientId ?? '', read.values);
		if (denied) return denied;
		if (!read.ok) return fail(400, { errors: read.errors, values: read.values });
		try {
			const slot = await stillFree(db, read.form);
			if (!slot) {
				const refusal = new SchedulingRefusal('slot_taken', 'That time is no longer free. Here are the nearest free times.');
				return fail(409, {
					refusal: await refusalView(db, refusal, { appointmentTypeId: read.form.appointmentTypeId, practitionerId: read.form.slot.practitionerId, after: read.form.slot.startsAt }),
					values: read.values
				});
			}
			return { review: { slot, reason: read.form.reason, notes: read.form.notes, slotValue: read.form.slotValue }, values: read.values };
		} catch (cause) {
			if (cause instanceof SchedulingRefusal) {
				return fail(cause.status, { refusal: await refusalView(db, cause, { appointmentTypeId: read.form.appointmentTypeId, practitionerId: read.form.slot.practitionerId }), values: read.values });
			}
			throw cause;
		}
	},
	/** Books it; a refusal comes back as a sentence with free times to pick instead. */
	book: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { errors: { form: 'Only patients and the people they chose can book in the portal.' }, values: {} as FormValues });
		const read = await readBooking(request);
		const { db } = getRuntime().database;
		const denied = await guardPatient(db, actor, read.values.patientId ?? '', read.values);
		if (denied) return denied;
		if (!read.ok) return fail(400, { errors: read.errors, values: read.values });
		const { form } = read;
		let appointmentId: string;
		try {
			const appointment = await bookAppointment(db, actor, {
				patientId: form.patientId,
				appointmentTypeId: form.appointmentTypeId,
				practitionerId: form.slot.practitionerId,
				locationId: form.slot.locationId,
				startsAt: form.slot.startsAt,
				// The booking core keeps `notes` for staff and drops it from portal bookings; the
				// patient's notes are their own words, so they travel with the reason.
				reason: form.notes ? `${form.reason}\n\n${form.notes}` : form.reason
			});
			appointmentId = appointment.id;
		} catch (cause) {
			if (cause instanceof SchedulingRefusal) {
				return fail(cause.status, {
					refusal: await refusalView(db, cause, { appointmentTypeId: form.appointmentTypeId, practitionerId: form.slot.practitionerId, after: form.slot.startsAt }),
					values: read.values
				});
			}
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'You cannot book visits for this person. If you think you should, contact the clinic.' }, values: read.values });
			if (cause instanceof NotFound) return fail(404, { errors: { form: 'That person or kind of visit no longer exists.' }, values: read.values });
			throw cause;
		}
		redirect(303, `/portal/appointments?patient=${form.patientId}&booked=${appointmentId}`);
	}
};
