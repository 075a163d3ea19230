/**
 * The doomed worker of reminder-outbox-sigkill.int.test.ts, run in a process of its own: it
 * claims one outbox message, hands it to the real SMTP server, and as soon as the server has
 * accepted it the process SIGKILLs itself — before the "sent" update can run. Test-only.
 */
import { openDatabase } from '../../../../db/client';
import { createLogger } from '../platform/logger';
import { OutboxWorker, type MailTransport } from '../mail/outbox-worker';
import { createSmtpTransport } from '../mail/smtp-transport';

const databaseUrl = process.env.KILL_DATABASE_URL;
const smtpUrl = process.env.KILL_SMTP_URL;
if (!databaseUrl || !smtpUrl) throw new Error('KILL_DATABASE_URL and KILL_SMTP_URL are required');

const handle = await openDatabase({ url: databaseUrl, maxConnections: 1 });
const real = createSmtpTransport(smtpUrl, 'Lakeside Clinic <no-reply@clinic.test>');
const killedAfterSend: MailTransport = {
	send: async (email) => {
		await real.send(email);
		process.kill(process.pid, 'SIGKILL');
		await new Promise<never>(() => {});
	},
	close: () => real.close()
};
const worker = new OutboxWorker({ db: handle.db, logger: createLogger('silent'), transport: killedAfterSend, messageIdDomain: 'clinic.test', batchSize: 1 });
await worker.runOnce();
// Reaching this line means nothing was due: exit with a code the test reports.
process.exit(3);
