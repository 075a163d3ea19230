/**
 * Reminder outbox crash recovery with a real kill: the delivering process is SIGKILLed right
 * after the SMTP server accepted the reminder and before it could mark it sent. A worker in this
 * process then takes the message over once the dead one's lease has run out, and sends it again
 * with the same Message-ID, which the receiving side deduplicates on (as an MTA or mail client
 * does): the patient sees exactly one reminder, and the outbox row ends sent once.
 *
 * PostgreSQL only: a second process cannot open the in-memory PGlite of the test. The in-process
 * variant in reminder-outbox.int.test.ts covers both databases and SMS.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../../../../db/testing';
import { appointmentReminders, outboxMessages } from '../../../../db/schema/index';
import { bookAppointment } from '../scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../scheduling/testing';
import { messageIdFor } from '../mail/outbox-worker';
import { startTestSmtpServer, type TestSmtpServer } from '../mail/test-smtp-server';
import { startTestSmsGateway, type TestSmsGateway } from '../mail/test-sms-gateway';
import { provideReminderContext, type ReminderContext } from './reminder-context';
import { sweepReminders } from './reminder-worker';
import { outboxWorkerFor, testReminderContext } from './test-support';

const hour = 3600_000;
const childScript = fileURLToPath(new URL('./outbox-kill-child.ts', import.meta.url));

/** Runs the doomed worker; resolves with how it ended. */
function runDoomedWorker(env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', childScript], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
	});
}

describe('reminder outbox crash recovery, process killed between send and mark (postgres)', () => {
	let t: TestDatabase;
	let c: SchedulingTestClinic;
	let smtp: TestSmtpServer;
	let sms: TestSmsGateway;
	let context: ReminderContext;

	beforeAll(async () => {
		[t, smtp, sms] = await Promise.all([createTestDatabase('postgres'), startTestSmtpServer(), startTestSmsGateway()]);
		c = await createSchedulingTestClinic(t.db);
		context = testReminderContext();
		provideReminderContext(context);
	});
	afterAll(async () => {
		provideReminderContext(undefined);
		await Promise.all([smtp?.close(), sms?.close()]);
		await t?.drop();
	});

	it('SIGKILL after the SMTP server accepted: the restarted worker resends with the same Message-ID; one reminder reaches the patient; the row ends sent', async () => {
		const startsAt = clinicWeekdayAt(3, '13:00');
		const booked = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt });
		// Only the reminder is due: the booking notice is out of the way.
		await t.db.update(outboxMessages).set({ status: 'sent' }).where(eq(outboxMessages.status, 'pending'));
		expect((await sweepReminders(t.db, context, new Date(startsAt.getTime() - 20 * hour))).queued).toBe(1);
		const [reminder] = await t.db.select().from(appointmentReminders).where(eq(appointmentReminders.appointmentId, booked.id));
		const key = `reminder:${reminder!.id}`;

		const ended = await runDoomedWorker({ KILL_DATABASE_URL: t.url!, KILL_SMTP_URL: smtp.url });
		expect(ended.signal, ended.stderr).toBe('SIGKILL');
		// The server had accepted it before the kill; the row was never marked.
		const delivered = await smtp.waitFor((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'));
		expect(delivered.messageId).toBe(messageIdFor(key, 'clinic.test'));
		let [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key));
		expect(row).toMatchObject({ status: 'sending', attempts: 1 });

		// The dead process's lease runs out (moved into the past rather than waited for); a worker
		// here takes the message over and sends it again under the same id.
		await t.db.update(outboxMessages).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(outboxMessages.idempotencyKey, key));
		const restarted = outboxWorkerFor(t.db, smtp, sms);
		expect(await restarted.runOnce()).toBe(1);
		await restarted.stop();

		const copies = smtp.received.filter((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'));
		expect(copies).toHaveLength(2);
		expect(new Set(copies.map((e) => e.messageId))).toEqual(new Set([delivered.messageId]));
		expect(smtp.inbox().filter((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'))).toHaveLength(1);
		[row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key));
		expect(row).toMatchObject({ status: 'sent', attempts: 2, lockedUntil: null });
		// Nothing else is left to send.
		const idle = outboxWorkerFor(t.db, smtp, sms);
		expect(await idle.runOnce()).toBe(0);
		await idle.stop();
		expect(await t.db.select().from(outboxMessages).where(inArray(outboxMessages.idempotencyKey, [key]))).toHaveLength(1);
	});
});
