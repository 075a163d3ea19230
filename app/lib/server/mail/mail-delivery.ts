import type { Database } from '../../../../db/client';
import type { Logger } from '../platform/logger';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker';
import { createSmtpTransport, domainOfAddress } from './smtp-transport';
import { createSmsTransport, type SmsGatewayConfig } from './sms-transport';

export interface MailDelivery {
	/** True when a worker is delivering email (SMTP_URL set). */
	active: boolean;
	/** True when the worker also delivers SMS (the SMS_ gateway variables set). */
	sms: boolean;
	stop(): Promise<void>;
}

/**
 * Started by the composition root once the runtime exists, stopped before the database closes.
 * Without SMTP_URL no email is sent, and without the SMS gateway no SMS: those messages stay
 * pending in the outbox, where /admin/outbox shows them (and /dev/mailbox, when enabled, shows
 * the emails' text). One worker delivers both channels.
 */
export function startMailDelivery(
	options: { db: Database; config: { smtpUrl?: string; mailFrom: string; sms?: SmsGatewayConfig }; logger: Logger } & Partial<Pick<OutboxWorkerOptions, 'pollIntervalMs' | 'retryDelaysMs' | 'maxAttempts' | 'leaseMs'>>
): MailDelivery {
	const { db, config, logger, ...tuning } = options;
	if (!config.smtpUrl) logger.info('SMTP_URL is not set: email waits in the outbox');
	if (!config.sms) logger.info('The SMS gateway is not configured: SMS waits in the outbox');
	if (!config.smtpUrl && !config.sms) return { active: false, sms: false, stop: async () => {} };
	const worker = new OutboxWorker({
		db,
		logger,
		transport: config.smtpUrl ? createSmtpTransport(config.smtpUrl, config.mailFrom) : undefined,
		smsTransport: config.sms ? createSmsTransport(config.sms) : undefined,
		messageIdDomain: domainOfAddress(config.mailFrom),
		...tuning
	});
	worker.start();
	return { active: !!config.smtpUrl, sms: !!config.sms, stop: () => worker.stop() };
}
