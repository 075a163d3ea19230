import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import { listAgentPatients } from '$lib/server/sharing/agent-patients';
import type { PageServerLoad } from './$types';

/**
 * The portal's messages for one person (?patient= picks among those a proxy acts for): the
 * thread with the care team needs the 'messages' scope, the appointments thread 'messages' or
 * 'appointments'. The chat server authorizes every thread again when the browser opens it.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/messages');
	const { db } = getRuntime().database;
	const [forMessages, forAppointments] = await Promise.all([listAgentPatients(db, actor, 'messages'), listAgentPatients(db, actor, 'appointments')]);
	const people = [...new Map([...forMessages, ...forAppointments].map((p) => [p.patientId, p])).values()].map((p) => ({
		patientId: p.patientId,
		name: `${p.givenName} ${p.familyName}`,
		self: p.self,
		careThread: forMessages.some((m) => m.patientId === p.patientId),
		appointmentsThread: true
	}));
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const selected = people.find((p) => p.patientId === (requested ?? people[0]?.patientId)) ?? null;
	return { people, selected };
};
