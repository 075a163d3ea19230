import { error, fail, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { parseFormData } from '$lib/server/http/validation';
import { currentComplianceKey } from '$lib/server/messaging/compliance';
import { ChatRefusal } from '$lib/server/messaging/errors';
import { listMessageMetadata } from '$lib/server/messaging/metadata-audit';
import { getRetentionSetting, maxRetentionDays, minRetentionDays, retentionFormSchema, setRetentionSetting } from '$lib/server/messaging/retention-settings';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

const pageSize = 50;

/**
 * Messaging administration: the compliance key (made and used in the browser), the retention
 * period, and the metadata audit — who wrote to whom, when and how much, never what.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { db } = getRuntime().database;
	const from = url.searchParams.get('from') || undefined;
	const to = url.searchParams.get('to') || undefined;
	const pageText = url.searchParams.get('page') ?? '1';
	const page = /^\d{1,5}$/.test(pageText) && Number(pageText) >= 1 ? Number(pageText) : 1;
	try {
		const retention = await getRetentionSetting(db, actor);
		let auditError: string | null = null;
		let audit: Awaited<ReturnType<typeof listMessageMetadata>> = { rows: [], hasMore: false };
		try {
			// "to" is inclusive on the form: the whole day.
			const toExclusive = to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : to;
			audit = await listMessageMetadata(db, actor, { from, to: toExclusive, limit: pageSize, offset: (page - 1) * pageSize });
		} catch (cause) {
			if (!(cause instanceof ChatRefusal)) throw cause;
			auditError = cause.message;
		}
		const key = await currentComplianceKey(db);
		return {
			retention,
			retentionLimits: { min: minRetentionDays, max: maxRetentionDays },
			complianceKey: key ? { id: key.id, createdAt: null } : null,
			audit,
			auditError,
			filters: { from: from ?? '', to: to ?? '' },
			page,
			saved: url.searchParams.get('saved') === '1'
		};
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can manage secure messaging.');
		throw cause;
	}
};

export const actions: Actions = {
	retention: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, retentionFormSchema);
		if (!form.ok) return fail(400, { retention: { errors: form.errors, values: form.values } });
		try {
			await setRetentionSetting(getRuntime().database.db, actor, form.data);
		} catch (cause) {
			if (cause instanceof AccessDenied) return fail(403, { retention: { errors: { form: 'Only clinic administrators can change the retention period.' }, values: form.values } });
			throw cause;
		}
		redirect(303, '/admin/messaging?saved=1#retention');
	}
};
