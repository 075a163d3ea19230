import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { openConsultForAppointment, startUnscheduledConsult } from '$lib/server/consults/consults';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * Where the entry points post: "Start video consult" on the patient's page and "Open consult
 * room" on a telehealth appointment. Each action makes (or finds) the consult and goes to its
 * room; a refusal is shown here as a sentence with the way back.
 */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal/consults');
	return {};
};

const startSchema = z.object({ patientId: fields.uuid });
const openSchema = z.object({ appointmentId: fields.uuid });

function refusal(cause: unknown, back: { href: string; label: string }) {
	if (cause instanceof ConsultRefusal) return fail(cause.status, { error: cause.message, back });
	if (cause instanceof NotFound) return fail(404, { error: cause.message || 'There is nothing at this address.', back });
	if (cause instanceof AccessDenied) return fail(403, { error: cause.message || 'You may not start video consults for this patient.', back });
	throw cause;
}

export const actions: Actions = {
	start: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) error(403, 'Video consults are started by the clinic.');
		const form = await parseFormData(request, startSchema);
		if (!form.ok) return fail(400, { error: 'Choose a patient first.', back: { href: '/patients', label: 'Find the patient' } });
		let consultId: string;
		try {
			consultId = (await startUnscheduledConsult(getRuntime().database.db, actor, form.data.patientId)).id;
		} catch (cause) {
			return refusal(cause, { href: `/patients/${form.data.patientId}`, label: 'Back to the patient' });
		}
		redirect(303, `/consults/${consultId}`);
	},
	open: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) error(403, 'Open your video visit from your appointments.');
		const form = await parseFormData(request, openSchema);
		if (!form.ok) return fail(400, { error: 'Choose an appointment first.', back: { href: '/schedule', label: 'Back to the schedule' } });
		let consultId: string;
		try {
			consultId = (await openConsultForAppointment(getRuntime().database.db, actor, form.data.appointmentId)).id;
		} catch (cause) {
			return refusal(cause, { href: `/schedule/${form.data.appointmentId}`, label: 'Back to the appointment' });
		}
		redirect(303, `/consults/${consultId}`);
	}
};
