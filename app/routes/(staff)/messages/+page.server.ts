import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { fields } from '$lib/server/http/validation';
import type { PageServerLoad } from './$types';

/**
 * Secure messages live in the browser (decrypted there); the server page is only the shell.
 * ?patient=<id>&thread=care-team|patient|appointments opens that thread of the patient ("Message
 * care team" on the chart); the chat server decides whether this person may be in it.
 */
const threadKinds: Record<string, 'care_team' | 'patient_care' | 'patient_appointments' | undefined> = {
	'care-team': 'care_team',
	patient: 'patient_care',
	appointments: 'patient_appointments'
};

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal/messages');
	const patient = url.searchParams.get('patient');
	if (patient !== null && !fields.uuid.safeParse(patient).success) error(404, 'There is no patient at this address.');
	const threadName = url.searchParams.get('thread') ?? 'care-team';
	const thread = Object.hasOwn(threadKinds, threadName) ? threadKinds[threadName] : undefined;
	if (!thread) error(404, 'There is no such conversation.');
	return { patientThread: patient ? { patientId: patient, kind: thread } : null };
};
