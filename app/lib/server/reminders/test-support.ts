/**
 * Helpers for the reminder tests: a reminder context, an outbox worker wired to a real SMTP
 * server and a Twilio-compatible gateway on loopback, and a minimal RFC 5545 reader.
 * Test-only; nothing in the app imports it.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../../../db/client';
import { createLogger } from '../platform/logger';
import { OutboxWorker, type OutboxWorkerOptions } from '../mail/outbox-worker';
import { createSmtpTransport } from '../mail/smtp-transport';
import { createSmsTransport } from '../mail/sms-transport';
import type { TestSmtpServer } from '../mail/test-smtp-server';
import type { TestSmsGateway } from '../mail/test-sms-gateway';
import type { ReminderContext } from './reminder-context';

export const testMailFrom = 'Lakeside Clinic <no-reply@clinic.test>';

export function testReminderContext(): ReminderContext {
	return { origin: 'http://clinic.test', linkKey: randomBytes(32), mailFrom: testMailFrom };
}

export function outboxWorkerFor(db: Database, smtp: TestSmtpServer, sms: TestSmsGateway, overrides: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
	return new OutboxWorker({
		db,
		logger: createLogger('silent'),
		transport: createSmtpTransport(smtp.url, testMailFrom),
		smsTransport: createSmsTransport({ gatewayUrl: sms.url, accountSid: sms.accountSid, authToken: sms.authToken, from: '+15550009999' }),
		messageIdDomain: 'clinic.test',
		pollIntervalMs: 50,
		retryDelaysMs: [0],
		...overrides
	});
}

/** Unfolds and splits an iCalendar text into [name, params, value] lines. */
export function icsLines(ics: string): { name: string; params: string; value: string }[] {
	return ics
		.replace(/\r\n[ \t]/g, '')
		.split(/\r\n/)
		.filter(Boolean)
		.map((line) => {
			const colon = line.indexOf(':');
			const head = line.slice(0, colon);
			const semi = head.indexOf(';');
			return { name: semi >= 0 ? head.slice(0, semi) : head, params: semi >= 0 ? head.slice(semi + 1) : '', value: line.slice(colon + 1) };
		});
}

export function icsValue(ics: string, name: string): string | undefined {
	return icsLines(ics).find((l) => l.name === name)?.value;
}

/** 2026-03-03T15:00:00.000Z → 20260303T150000Z */
export function icsUtc(date: Date): string {
	return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The links in a message, by their path. */
export function actionLinksIn(text: string): string[] {
	return [...text.matchAll(/https?:\/\/\S+\/appointment-links\/[^\s]+/g)].map((m) => m[0]);
}

export function tokenOf(url: string): string {
	return url.slice(url.lastIndexOf('/') + 1);
}
