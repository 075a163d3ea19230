import { error, redirect } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied } from '$lib/server/access/errors';
import { auditActions } from '$lib/server/audit/audit-log';
import { auditFilterSchema, auditOutcomes, requireAuditAccess, searchAuditEvents, type AuditFilters } from '$lib/server/audit/audit-search';
import { verifyAuditChain } from '$lib/server/audit/verify-chain';
import { getClinic } from '$lib/server/clinic/clinic';
import { parseSearchParams } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

const filterKeys = ['actor', 'patient', 'action', 'outcome', 'from', 'to'] as const;

/** The audit trail for clinic administrators: filters in the address, newest first, CSV export. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	const { db } = getRuntime().database;
	try {
		await requireAuditAccess(db, actor, 'audit.view');
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'The audit log is for clinic administrators.');
		throw cause;
	}
	const timeZone = (await getClinic(db))?.timeZone ?? 'UTC';
	const values = Object.fromEntries(filterKeys.map((key) => [key, (url.searchParams.get(key) ?? '').slice(0, 300)]));
	const choices = { actions: [...auditActions], outcomes: [...auditOutcomes] };

	const parsed = parseSearchParams(url.searchParams, auditFilterSchema);
	if (!parsed.ok) return { ...choices, values, errors: parsed.errors, rows: [], nextBefore: null, paged: false, query: '', chain: null };

	const [result, chain] = await Promise.all([searchAuditEvents(db, actor, parsed.data, { timeZone }), verifyAuditChain(db)]);
	return {
		...choices,
		values,
		errors: {} as Record<string, string>,
		rows: result.rows,
		nextBefore: result.nextBefore,
		paged: parsed.data.before !== undefined,
		query: filterQuery(parsed.data),
		chain: chain.ok ? { ok: true as const, events: chain.events } : { ok: false as const, events: chain.events, firstBadSeq: chain.firstBadSeq, problem: chain.problem }
	};
};

/** The filters as a query string, for the paging and export links. */
function filterQuery(filters: AuditFilters): string {
	const params = new URLSearchParams();
	for (const key of filterKeys) {
		const value = filters[key];
		if (value !== undefined) params.set(key, String(value));
	}
	return params.toString();
}
