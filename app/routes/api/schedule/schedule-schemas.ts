/**
 * The shapes the staff calendar's endpoints and forms accept, with the sentences a person sees
 * when one is off. Shared by /api/schedule/** and the /schedule pages' actions.
 */
import { z } from 'zod';
import { calendarViews, isCalendarDate } from '$lib/components/schedule/calendar-layout';

const uuid = (message: string) => z.string({ error: message }).trim().uuid(message);
const optionalUuid = (message: string) =>
	z.preprocess((value) => (value === '' || value === null ? undefined : value), z.string().trim().uuid(message).optional());
const instant = z
	.string({ error: 'Choose a time.' })
	.trim()
	.max(40, 'Choose a time.')
	.refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value), 'Choose a time.');
const localDate = (message: string) => z.string({ error: message }).trim().refine(isCalendarDate, message);
const text = (max: number, label: string) =>
	z.preprocess((value) => (value === null || value === undefined ? '' : value), z.string().trim().max(max, `${label} can be at most ${max} characters.`));

export const urgencySchema = z.enum(['routine', 'soon', 'urgent'], { error: 'Choose routine, soon or urgent.' });

/** /schedule and /api/schedule/calendar: ?view=day|week&practitioner=&location=&date=YYYY-MM-DD */
export const calendarParamsSchema = z.object({
	view: z.preprocess((v) => (v === '' ? undefined : v), z.enum(calendarViews, { error: 'Choose the day or week view.' }).default('day')),
	practitioner: optionalUuid('That provider could not be found; showing the whole clinic.'),
	location: optionalUuid('That location could not be found; showing every location.'),
	date: z.preprocess((v) => (v === '' ? undefined : v), localDate('Give the date as YYYY-MM-DD, like 2026-03-09.').optional())
});

/** /api/schedule/slots */
export const slotParamsSchema = z.object({
	appointmentTypeId: uuid('Choose the kind of appointment.'),
	practitionerId: optionalUuid('That provider could not be found.'),
	locationId: optionalUuid('That location could not be found.'),
	from: localDate('Give the first day as YYYY-MM-DD.'),
	days: z.preprocess((v) => (v === '' || v === undefined ? '7' : v), z.string().regex(/^\d{1,2}$/, 'Search 1 to 31 days at a time.').transform(Number).pipe(z.number().min(1, 'Search 1 to 31 days at a time.').max(31, 'Search 1 to 31 days at a time.')))
});

export const bookSchema = z.object({
	patientId: uuid('Choose the patient.'),
	appointmentTypeId: uuid('Choose the kind of appointment.'),
	practitionerId: uuid('Choose the provider.'),
	locationId: optionalUuid('That location could not be found.'),
	startsAt: instant,
	reason: text(500, 'The reason'),
	notes: text(2000, 'The notes'),
	urgency: z.preprocess((v) => (v === '' || v === undefined ? 'routine' : v), urgencySchema)
});

export const rescheduleSchema = z.object({
	appointmentId: uuid('Say which appointment to move.'),
	startsAt: instant,
	practitionerId: optionalUuid('That provider could not be found.'),
	locationId: optionalUuid('That location could not be found.'),
	expectedVersion: z.preprocess((v) => (v === '' ? undefined : typeof v === 'string' ? Number(v) : v), z.number().int().positive().optional())
});

export const cancelSchema = z.object({
	appointmentId: uuid('Say which appointment to cancel.'),
	reason: text(500, 'The reason')
});

export const attendanceStatuses = ['confirmed', 'checked_in', 'completed', 'no_show'] as const;
export const statusSchema = z.object({
	appointmentId: uuid('Say which appointment this is about.'),
	status: z.enum(attendanceStatuses, { error: 'Choose confirmed, checked in, completed or no-show.' })
});
