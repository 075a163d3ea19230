import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { roleMay } from '$lib/server/access/policy';
import { parseSearchParams } from '$lib/server/http/validation';
import { getClinic } from '$lib/server/clinic/clinic';
import { countOutboxByStatus, listOutbox, outboxStatuses } from '$lib/server/mail/outbox-admin';
import type { PageServerLoad } from './$types';

const filterSchema = z.object({ status: z.enum(outboxStatuses).optional() });

/** Delivery of the clinic's email and SMS: status, attempts, topic, recipient — never message bodies. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!roleMay(actor.role, 'clinic.manage')) error(403, 'Only clinic administrators can see the outbox.');
	const { database, config } = getRuntime();
	const filter = parseSearchParams(url.searchParams, filterSchema);
	const status = filter.ok ? filter.data.status : undefined;
	const clinic = await getClinic(database.db);
	const format = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: clinic?.timeZone ?? 'UTC' });
	const [rows, counts] = await Promise.all([listOutbox(database.db, { status }), countOutboxByStatus(database.db)]);
	return {
		status: status ?? null,
		counts,
		smtpConfigured: !!config.smtpUrl,
		messages: rows.map((r) => ({
			id: r.id,
			channel: r.channel,
			topic: r.topic,
			recipient: r.recipient,
			status: r.status,
			attempts: r.attempts,
			lastError: r.lastError,
			createdAt: format.format(r.createdAt),
			sentAt: r.sentAt ? format.format(r.sentAt) : null,
			nextAttemptAt: r.status === 'pending' ? format.format(r.nextAttemptAt) : null
		}))
	};
};
