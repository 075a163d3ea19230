import type { Database } from '../../../../db/client';
import type { Logger } from '../platform/logger';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker';
import { createSmtpTransport, domainOfAddress } from './smtp-transport';

export interface MailDelivery {
	/** True when a worker is delivering (SMTP_URL set). */
	active: boolean;
	stop(): Promise<void>;
}

/**
 * Started by the composition root once the runtime exists, stopped before the database closes.
 * Without SMTP_URL nothing is sent: messages stay pending in the outbox, where /admin/outbox
 * shows them (and /dev/mailbox, when enabled, shows their text).
 */
export function startMailDelivery(
	options: { db: Database; config: { smtpUrl?: string; mailFrom: string }; logger: Logger } & Partial<Pick<OutboxWorkerOptions, 'pollIntervalMs' | 'retryDelaysMs' | 'maxAttempts' | 'leaseMs'>>
): MailDelivery {
	const { db, config, logger, ...tuning } = options;
	if (!config.smtpUrl) {
		logger.info('SMTP_URL is not set: email waits in the outbox');
		return { active: false, stop: async () => {} };
	}
	const worker = new OutboxWorker({
		db,
		logger,
		transport: createSmtpTransport(config.smtpUrl, config.mailFrom),
		messageIdDomain: domainOfAddress(config.mailFrom),
		...tuning
	});
	worker.start();
	return { active: true, stop: () => worker.stop() };
}
