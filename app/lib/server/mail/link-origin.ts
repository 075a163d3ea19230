import type { RequestEvent } from '@sveltejs/kit';
import { dev } from '$app/environment';
import { getRuntime } from '../platform/runtime';

/** The origin links in emails point at: ORIGIN when configured (behind a proxy), else this request's. */
export function linkOrigin(event: Pick<RequestEvent, 'url'>): string {
	return getRuntime().config.origin ?? event.url.origin;
}

/** True when an email queued now can reach its reader: over SMTP, or through the developer mailbox. */
export function canDeliverEmail(): boolean {
	const { config } = getRuntime();
	return !!config.smtpUrl || devMailboxOpen();
}

/** /dev/mailbox: with DEV_MAILBOX=1, or under `npm run dev`; never when NODE_ENV=production. */
export function devMailboxOpen(): boolean {
	const { config } = getRuntime();
	return config.devMailbox || (dev && !config.production);
}
