import { error, redirect } from '@sveltejs/kit';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { openReport } from '$lib/server/consults/shared-documents';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/**
 * A report the clinic shared with the patient, with the annotations made together in a call.
 * `?patient=` names whose record (a proxy may act for several); a patient without it gets their
 * own. Only shared reports open here; the annotations come over the collaboration socket.
 */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const patientId = url.searchParams.get('patient') ?? (actor.role === 'patient' ? actor.patientId : null);
	const notHere = 'There is no report at this address.';
	if (!patientId) error(404, notHere);
	try {
		const report = await openReport(getRuntime().database.db, actor, patientId, params.documentId);
		return {
			report,
			src: `/portal/documents/${report.documentId}?patient=${report.patientId}`,
			me: { id: actor.userId, name: actor.displayName },
			self: actor.role === 'patient'
		};
	} catch (cause) {
		if (cause instanceof NotFound || cause instanceof ConsultRefusal) error(404, notHere);
		if (cause instanceof AccessDenied) error(403, 'You cannot see this report. If you think you should, contact the clinic.');
		throw cause;
	}
};
