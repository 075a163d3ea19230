import { error, redirect } from '@sveltejs/kit';
import { documentName } from '$lib/collab/document-names';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizePatient } from '$lib/server/access/patient-access';
import { getConsultView } from '$lib/server/consults/consults';
import { roleMayAnnotate } from '$lib/server/consults/settings';
import { listPatientDocuments } from '$lib/server/documents/documents';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

const noConsult = 'There is no video consult at this address, or it is not one you can join.';

export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, `/portal/consults/${encodeURIComponent(params.consultId)}`);
	const { db } = getRuntime().database;
	try {
		const view = await getConsultView(db, actor, params.consultId);
		const { consult } = view;
		// The reports the clinician can show in the call: the chart's documents, when they may see them.
		let reports: { id: string; title: string; contentType: string }[] = [];
		try {
			const access = await authorizePatient(db, actor, consult.patientId, { action: 'document.view', require: ['documents'], resourceType: 'consult', resourceId: consult.id });
			reports = (await listPatientDocuments(db, access)).map((d) => ({ id: d.id, title: d.title, contentType: d.contentType }));
		} catch (cause) {
			if (!(cause instanceof AccessDenied)) throw cause;
		}
		return {
			consult: {
				id: consult.id,
				status: consult.status,
				patientId: consult.patientId,
				patientName: view.patientName,
				practitionerName: view.practitionerName,
				appointmentStartsAt: view.appointmentStartsAt?.toISOString() ?? null,
				encounterId: view.encounterId
			},
			note: { documentName: documentName({ kind: 'note', encounterId: view.encounterId }), href: `/patients/${consult.patientId}/notes/${view.encounterId}` },
			reports,
			canAnnotate: await roleMayAnnotate(db, actor.role),
			user: { id: actor.userId, name: actor.displayName }
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, noConsult);
		if (cause instanceof AccessDenied) error(403, cause.message || 'Video consults are for the patient’s clinicians.');
		throw cause;
	}
};
