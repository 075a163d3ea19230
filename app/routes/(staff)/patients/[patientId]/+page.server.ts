import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isClinician, isStaff } from '$lib/server/access/actor';
import { breakGlassReasonMax, breakGlassReasonMin, currentBreakGlass } from '$lib/server/access/break-glass';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { roleMay } from '$lib/server/access/policy';
import { InvalidDocument, documentKinds, maxTitleLength, uploadDocument } from '$lib/server/documents/documents';
import { getPatientOverview } from '$lib/server/patients/overview';
import { getRuntime } from '$lib/server/platform/runtime';
import { fields, parseFormData } from '$lib/server/http/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	// Not a UUID cannot be a patient: answer 404 before the database has to reject it.
	if (!fields.uuid.safeParse(params.patientId).success) error(404, 'There is no patient at this address. Search for the patient instead.');

	const { database, config } = getRuntime();
	try {
		const overview = await getPatientOverview(database.db, actor, params.patientId);
		const emergency = await currentBreakGlass(database.db, actor, params.patientId);
		return {
			overview,
			// Emergency access: the banner while it lasts, the form when the chart is limited to demographics.
			emergency: emergency && { reason: emergency.reason, expiresAt: emergency.expiresAt.toISOString() },
			breakGlass: isClinician(actor) && !overview.parts.includes('clinical') ? { reasonMin: breakGlassReasonMin, reasonMax: breakGlassReasonMax } : null,
			canUpload: overview.parts.includes('documents') && roleMay(actor.role, 'documents.upload'),
			documentKinds: [...documentKinds],
			maxUploadBytes: config.maxUploadBytes
		};
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		if (cause instanceof AccessDenied) error(403, 'You do not have access to this patient’s record.');
		throw cause;
	}
};

const uploadSchema = z.object({
	title: z.string().max(maxTitleLength, `Use at most ${maxTitleLength} characters for the title.`).default(''),
	kind: z.string().default('other'),
	file: z.instanceof(File, { error: 'Choose a file to upload.' })
});

export const actions: Actions = {
	upload: async ({ locals, params, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!fields.uuid.safeParse(params.patientId).success) return fail(404, { upload: { errors: { form: 'There is no patient at this address.' }, values: {} } });

		const form = await parseFormData(request, uploadSchema);
		if (!form.ok) return fail(400, { upload: { errors: form.errors, values: form.values } });
		const { database, documentCipher, config } = getRuntime();
		try {
			const document = await uploadDocument(database.db, documentCipher, actor, params.patientId, form.data, config.maxUploadBytes);
			return { upload: { uploaded: document.title } };
		} catch (cause) {
			if (cause instanceof InvalidDocument) return fail(cause.status, { upload: { errors: { [cause.field]: cause.message }, values: form.values } });
			if (cause instanceof AccessDenied) return fail(403, { upload: { errors: { form: 'You may not upload documents to this patient’s record.' }, values: form.values } });
			if (cause instanceof NotFound) return fail(404, { upload: { errors: { form: 'This patient no longer exists.' }, values: {} } });
			throw cause;
		}
	}
};
