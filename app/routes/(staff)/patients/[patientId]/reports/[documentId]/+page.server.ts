import { error, fail, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { openReport, shareDocumentWithPatient } from '$lib/server/consults/shared-documents';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * A report of the patient's record with its annotations, reopened after a consult (or opened
 * from the chart): the annotations arrive over the collaboration socket, which authorizes
 * `annotations:<documentId>` again and decides who may draw.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	try {
		const report = await openReport(getRuntime().database.db, actor, params.patientId, params.documentId);
		return {
			report,
			src: `/patients/${report.patientId}/documents/${report.documentId}`,
			me: { id: actor.userId, name: actor.displayName },
			mayShare: actor.role === 'physician' || actor.role === 'nurse'
		};
	} catch (cause) {
		if (cause instanceof NotFound || cause instanceof ConsultRefusal) error(404, 'There is no report at this address.');
		if (cause instanceof AccessDenied) error(403, 'Reports are open to the patient’s care team.');
		throw cause;
	}
};

export const actions: Actions = {
	/** Shares the report with the patient: it appears in their portal, with its annotations. */
	share: async ({ locals, params }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isStaff(actor)) return fail(403, { share: { error: 'Only the care team shares reports.' } });
		try {
			await shareDocumentWithPatient(getRuntime().database.db, actor, params.patientId, params.documentId);
			return { share: { done: true } };
		} catch (cause) {
			if (cause instanceof AccessDenied) return fail(403, { share: { error: 'Your role cannot share reports with the patient.' } });
			if (cause instanceof NotFound || cause instanceof ConsultRefusal) return fail(404, { share: { error: 'There is no report at this address.' } });
			throw cause;
		}
	}
};
