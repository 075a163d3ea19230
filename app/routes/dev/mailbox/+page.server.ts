import { error } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/platform/runtime';
import { listMailbox } from '$lib/server/mail/outbox-admin';
import { devMailboxOpen } from '$lib/server/mail/link-origin';
import type { PageServerLoad } from './$types';

/**
 * Every email in the outbox with its text, so a developer can follow invitation and reset links
 * without a mail server. Open under `npm run dev`, or with DEV_MAILBOX=1; never when
 * NODE_ENV=production. Anyone who can reach it can read every link: it 404s otherwise.
 */
export const load: PageServerLoad = async () => {
	const { config, database } = getRuntime();
	if (!devMailboxOpen()) error(404, 'Not found');
	const emails = await listMailbox(database.db);
	return {
		emails: emails.map((e) => ({ ...e, createdAt: e.createdAt.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' })),
		smtpConfigured: !!config.smtpUrl
	};
};
