import { json } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { exportVisitPdf } from '$lib/server/consults/visit-history';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** The visit record as a PDF download; exportVisitPdf authorizes and audits (visit.export). */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to export visits.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'Visit records are exported by the clinic’s staff.' }, { status: 403 });
	if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.encounterId).success) {
		return json({ message: 'There is no visit at this address.' }, { status: 404 });
	}
	try {
		const { bytes, filename } = await exportVisitPdf(getRuntime().database.db, actor, params.patientId, params.encounterId);
		return new Response(new Uint8Array(bytes), {
			headers: {
				'content-type': 'application/pdf',
				'content-length': String(bytes.byteLength),
				'content-disposition': `attachment; filename="${filename}"`,
				'cache-control': 'private, no-store',
				'x-content-type-options': 'nosniff'
			}
		});
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'Visit records are open to the patient’s care team.' }, { status: 403 });
		if (cause instanceof NotFound) return json({ message: 'There is no visit at this address.' }, { status: 404 });
		throw cause;
	}
};
