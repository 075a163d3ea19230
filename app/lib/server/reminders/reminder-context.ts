import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What reminder messages need beyond the database: the public origin their links point at and
 * the key that signs the confirm/cancel/reschedule links. Provided once by the composition root
 * (server/app-server.ts) and read by the reminder worker, the booking notices and the link pages.
 *
 * Kept on globalThis because the SvelteKit bundle and the server entry each load their own copy
 * of this module (as platform/runtime.ts explains).
 */
export interface ReminderContext {
	/** e.g. https://clinic.example.org, without a trailing slash. */
	origin: string;
	/** HMAC-SHA256 key of the action links. */
	linkKey: Uint8Array;
	/** MAIL_FROM: the organizer of .ics files and the domain of their UIDs. */
	mailFrom?: string;
}

const contextKey = Symbol.for('clinicsync.reminders.context');
type ContextHolder = { [contextKey]?: ReminderContext };

export function provideReminderContext(context: ReminderContext | undefined): void {
	(globalThis as ContextHolder)[contextKey] = context ? { ...context, origin: context.origin.replace(/\/+$/, '') } : undefined;
}

export function reminderContext(): ReminderContext | undefined {
	return (globalThis as ContextHolder)[contextKey];
}

/** The origin for links when none was provided (tests of other modules): the default local server. */
export const fallbackOrigin = 'http://localhost:3000';

/**
 * The link-signing key: REMINDER_LINK_SECRET when set, else a random key generated once into the
 * data directory (mode 0600), like the document key. Changing it invalidates links already sent.
 */
export function loadReminderLinkKey(configured: string | undefined, dataDir: string): Uint8Array {
	if (configured) return new TextEncoder().encode(configured);
	const keyFile = path.join(dataDir, 'reminder-link.key');
	if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
	mkdirSync(dataDir, { recursive: true });
	const key = randomBytes(32);
	try {
		writeFileSync(keyFile, key.toString('base64'), { mode: 0o600, flag: 'wx' });
	} catch (error) {
		// Another process wrote it first: use theirs.
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
		throw error;
	}
	return key;
}
