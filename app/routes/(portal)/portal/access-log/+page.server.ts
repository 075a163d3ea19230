import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizeAgent } from '$lib/server/access/patient-access';
import { patientAccessLog } from '$lib/server/audit/access-log';
import { listAgentPatients } from '$lib/server/sharing/agent-patients';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** "Who looked at my record", for the patient or a proxy with the records scope (?patient=). */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const people = await listAgentPatients(db, actor, 'records');
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	if (!patientId) return { people, patient: null, log: null, paged: false };
	const beforeText = url.searchParams.get('before');
	const before = beforeText !== null && /^\d{1,15}$/.test(beforeText) ? Number(beforeText) : undefined;

	try {
		const agency = await authorizeAgent(db, actor, patientId, { action: 'access_log.view', scope: 'records' });
		const log = await patientAccessLog(db, agency, { before });
		return { people, patient: people.find((p) => p.patientId === patientId) ?? null, log, paged: before !== undefined };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no health record at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot see who looked at this health record. If you think you should, contact the clinic.');
		throw cause;
	}
};
