import { error, fail, redirect } from '@sveltejs/kit';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Actor } from '$lib/server/access/actor';
import { roleMay } from '$lib/server/access/policy';
import { getAppointment } from '$lib/server/scheduling/calendar';
import { cancelAppointment, clearAppointmentFlag, confirmAppointment, recordAttendance, rescheduleAppointment } from '$lib/server/scheduling/booking';
import { findSlots, type Slot } from '$lib/server/scheduling/slots';
import { listBookableProviders } from '$lib/server/scheduling/calendar';
import { isUuid } from '$lib/server/scheduling/appointment-types';
import { getRuntime } from '$lib/server/platform/runtime';
import { parseFormData } from '$lib/server/http/validation';
import { isCalendarDate, todayIn } from '$lib/components/schedule/calendar-layout';
import { problemOf } from '../../../api/schedule/schedule-http.server';
import type { Actions, PageServerLoad } from './$types';

/**
 * One appointment, for staff: details, and the changes they make to it. Every action is a plain
 * form post (works without JavaScript); the domain functions authorize, audit and publish the
 * change that updates open calendars. Cancelling and moving are two steps: the first shows what
 * will happen (?cancel=1, ?reschedule=1), the second does it.
 */

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	depends('app:schedule');
	if (!isUuid(params.appointmentId)) error(404, 'There is no such appointment.');
	const { db } = getRuntime().database;
	try {
		const appointment = await getAppointment(db, actor, params.appointmentId);
		const zone = appointment.timeZone ?? 'UTC';
		const mayBook = roleMay(actor.role, 'schedule.book');
		const rescheduling = mayBook && url.searchParams.get('reschedule') === '1' && ['booked', 'confirmed'].includes(appointment.status);
		let slots: Slot[] = [];
		let slotProblem: string | null = null;
		const fromParam = url.searchParams.get('from') ?? '';
		const from = isCalendarDate(fromParam) ? fromParam : maxDate(todayIn(zone), DateTime.fromISO(appointment.startsAt, { zone }).toISODate()!);
		const providerParam = url.searchParams.get('provider') ?? '';
		const provider = providerParam === 'any' ? null : isUuid(providerParam) ? providerParam : appointment.practitionerId;
		if (rescheduling) {
			try {
				const first = DateTime.fromISO(from, { zone }).startOf('day');
				slots = await findSlots(db, {
					appointmentTypeId: appointment.appointmentTypeId,
					practitionerIds: provider ? [provider] : undefined,
					from: first.toJSDate(),
					to: first.plus({ days: 7 }).toJSDate(),
					limit: 200
				});
			} catch (cause) {
				const known = problemOf(cause);
				if (!known) throw cause;
				slotProblem = known.error;
			}
		}
		return {
			appointment,
			mayBook,
			confirmingCancel: mayBook && url.searchParams.get('cancel') === '1' && appointment.status !== 'cancelled',
			rescheduling,
			reschedule: { from, provider: provider ?? 'any', slots, problem: slotProblem },
			providers: rescheduling ? (await listBookableProviders(db)).map((p) => ({ id: p.id, name: p.name })) : [],
			done: url.searchParams.get('done')
		};
	} catch (cause) {
		const known = problemOf(cause);
		if (known) error(known.status, known.status === 404 ? 'There is no such appointment, or it is not one you may see.' : known.error);
		throw cause;
	}
};

function maxDate(a: string, b: string): string {
	return a > b ? a : b;
}

const idOnly = z.object({ version: z.string().optional() });
const cancelForm = z.object({
	reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'Keep the reason under 500 characters.')),
	confirm: z.literal('yes', { error: 'Confirm the cancellation by pressing “Yes, cancel the appointment”.' })
});
const rescheduleForm = z.object({
	slot: z
		.string({ error: 'Choose one of the free times.' })
		.regex(/^\d{4}-\d{2}-\d{2}T[^|]+\|[0-9a-f-]{36}\|[0-9a-f-]{36}$/i, 'Choose one of the free times.'),
	version: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().positive().optional())
});

type Outcome = { ok: true } | { ok: false; status: number; body: { error: string; code?: string; alternatives?: Slot[] } };

async function attempt(run: () => Promise<unknown>): Promise<Outcome> {
	try {
		await run();
		return { ok: true };
	} catch (cause) {
		const known = problemOf(cause);
		if (!known) throw cause;
		const { status, ...body } = known;
		return { ok: false, status, body };
	}
}

/**
 * Every action: a signed-in person whose role books ('schedule.book'; checked before the input)
 * and a well-formed appointment id; the domain decides the rest (the patient, the status).
 */
function guard(locals: App.Locals, params: { appointmentId: string }): Actor {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!roleMay(actor.role, 'schedule.book')) error(403, 'Your role does not allow changing appointments.');
	if (!isUuid(params.appointmentId)) error(404, 'There is no such appointment.');
	return actor;
}

function statusAction(status: 'confirmed' | 'checked_in' | 'completed' | 'no_show' | 'unflag', done: string) {
	return async ({ locals, params, request }: { locals: App.Locals; params: { appointmentId: string }; request: Request }) => {
		const actor = guard(locals, params);
		const form = await parseFormData(request, idOnly);
		if (!form.ok) return fail(400, { error: 'The form could not be read. Reload the page and try again.' });
		const { db } = getRuntime().database;
		const appointmentId = params.appointmentId;
		const outcome = await attempt(() =>
			status === 'confirmed'
				? confirmAppointment(db, actor, { appointmentId })
				: status === 'unflag'
					? clearAppointmentFlag(db, actor, { appointmentId })
					: recordAttendance(db, actor, { appointmentId, status })
		);
		if (!outcome.ok) return fail(outcome.status, outcome.body);
		redirect(303, `/schedule/${appointmentId}?done=${done}`);
	};
}

export const actions: Actions = {
	confirm: statusAction('confirmed', 'confirmed'),
	checkIn: statusAction('checked_in', 'checked_in'),
	complete: statusAction('completed', 'completed'),
	noShow: statusAction('no_show', 'no_show'),
	clearFlag: statusAction('unflag', 'flag_cleared'),
	cancel: async ({ locals, params, request }) => {
		const actor = guard(locals, params);
		const form = await parseFormData(request, cancelForm);
		if (!form.ok) return fail(400, { error: Object.values(form.errors)[0] ?? 'The form could not be read.', confirmingCancel: true });
		const outcome = await attempt(() => cancelAppointment(getRuntime().database.db, actor, { appointmentId: params.appointmentId, reason: form.data.reason }));
		if (!outcome.ok) return fail(outcome.status, outcome.body);
		redirect(303, `/schedule/${params.appointmentId}?done=cancelled`);
	},
	reschedule: async ({ locals, params, request }) => {
		const actor = guard(locals, params);
		const form = await parseFormData(request, rescheduleForm);
		if (!form.ok) return fail(400, { error: Object.values(form.errors)[0] ?? 'Choose one of the free times.' });
		const [startsAt, practitionerId, locationId] = form.data.slot.split('|') as [string, string, string];
		if (Number.isNaN(Date.parse(startsAt))) return fail(400, { error: 'Choose one of the free times.' });
		const outcome = await attempt(() =>
			rescheduleAppointment(getRuntime().database.db, actor, {
				appointmentId: params.appointmentId,
				startsAt: new Date(startsAt),
				practitionerId,
				locationId,
				expectedVersion: form.data.version
			})
		);
		if (!outcome.ok) return fail(outcome.status, outcome.body);
		redirect(303, `/schedule/${params.appointmentId}?done=rescheduled`);
	}
};
