import { json } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { auditFilterSchema, exportAuditEvents } from '$lib/server/audit/audit-search';
import { getClinic } from '$lib/server/clinic/clinic';
import { badRequest, parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** The audit events the page's filters select, as CSV (RFC 4180, formula-safe). The export is audited. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to export the audit log.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'The audit log is for clinic administrators.' }, { status: 403 });
	const parsed = parseSearchParams(url.searchParams, auditFilterSchema);
	if (!parsed.ok) return badRequest('Some filters need attention.', parsed.errors);
	const { db } = getRuntime().database;
	const timeZone = (await getClinic(db))?.timeZone ?? 'UTC';
	try {
		// Paging is the page's; an export holds every matching event.
		const { csv, truncated } = await exportAuditEvents(db, actor, { ...parsed.data, before: undefined }, { timeZone });
		const day = new Date().toISOString().slice(0, 10);
		return new Response(csv, {
			headers: {
				'content-type': 'text/csv; charset=utf-8; header=present',
				'content-disposition': `attachment; filename="audit-${day}.csv"`,
				'cache-control': 'private, no-store',
				'x-content-type-options': 'nosniff',
				'x-audit-export-truncated': truncated ? 'true' : 'false'
			}
		});
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'The audit log is for clinic administrators.' }, { status: 403 });
		throw cause;
	}
};
