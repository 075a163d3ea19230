/**
 * Reminder outbox crash recovery: a worker dies between handing a reminder to the receiver and
 * marking it sent. SMTP and HTTP cannot commit together with the database, so the restarted
 * worker sends it again — with the same Message-ID / idempotency token — and the receivers here
 * deduplicate on that id exactly as an MTA or a Twilio-style gateway does. What the recipient
 * sees is exactly one reminder: none dropped, none doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointmentReminders, outboxMessages } from '../../../../db/schema/index';
import { bookAppointment } from '../scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../scheduling/testing';
import { messageIdFor, type MailTransport } from '../mail/outbox-worker';
import type { SmsTransport } from '../mail/sms-transport';
import { smsIdempotencyTokenFor } from '../mail/sms-transport';
import { startTestSmtpServer, type TestSmtpServer } from '../mail/test-smtp-server';
import { startTestSmsGateway, type TestSmsGateway } from '../mail/test-sms-gateway';
import { createSmtpTransport } from '../mail/smtp-transport';
import { createSmsTransport } from '../mail/sms-transport';
import { provideReminderContext, type ReminderContext } from './reminder-context';
import { sweepReminders } from './reminder-worker';
import { outboxWorkerFor, testMailFrom, testReminderContext } from './test-support';

const hour = 3600_000;

describe.each(testDatabaseKinds)('reminder outbox crash recovery (%s)', (kind) => {
	let t: TestDatabase;
	let c: SchedulingTestClinic;
	let smtp: TestSmtpServer;
	let sms: TestSmsGateway;
	let context: ReminderContext;

	beforeAll(async () => {
		[t, smtp, sms] = await Promise.all([createTestDatabase(kind), startTestSmtpServer(), startTestSmsGateway()]);
		c = await createSchedulingTestClinic(t.db);
		context = testReminderContext();
		provideReminderContext(context);
	});
	afterAll(async () => {
		provideReminderContext(undefined);
		await Promise.all([smtp?.close(), sms?.close()]);
		await t?.drop();
	});

	it('killed between send and mark: the restarted worker resends with the same key, the recipient sees exactly one reminder, rows end sent once', async () => {
		const startsAt = clinicWeekdayAt(3, '13:00');
		// Tom: an email reminder (Portuguese). Maria: email and SMS (Spanish).
		const tom = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt });
		const maria = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.telehealth.id, practitionerId: c.practitioners.okafor, startsAt });
		// Booking notices are not what this test is about: out of the way.
		await t.db.update(outboxMessages).set({ status: 'sent' }).where(eq(outboxMessages.status, 'pending'));
		expect((await sweepReminders(t.db, context, new Date(startsAt.getTime() - 1.5 * hour))).queued).toBe(3);
		const reminders = await t.db.select().from(appointmentReminders).where(inArray(appointmentReminders.appointmentId, [tom.id, maria.id]));
		const keys = reminders.map((r) => `reminder:${r.id}`);
		expect(reminders.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);

		// The doomed process: its transports deliver for real, then it "dies" — the promise never
		// settles, so the 'sent' update never runs (as with SIGKILL right after the 250 / 201).
		const realMail = createSmtpTransport(smtp.url, testMailFrom);
		const realSms = createSmsTransport({ gatewayUrl: sms.url, accountSid: sms.accountSid, authToken: sms.authToken, from: '+15550009999' });
		let handedOver = 0;
		const deliveredThenKilled = new Promise<void>((resolve) => {
			const die = () => {
				handedOver += 1;
				if (handedOver === 3) resolve();
				return new Promise<never>(() => {});
			};
			const mail: MailTransport = { send: async (email) => (await realMail.send(email), die()), close: () => realMail.close() };
			const text: SmsTransport = { send: async (message) => (await realSms.send(message), die()), close: () => {} };
			const doomed = outboxWorkerFor(t.db, smtp, sms, { transport: mail, smsTransport: text, batchSize: 1 });
			// Three rounds at once: each claims one message and dies inside its send.
			for (let i = 0; i < 3; i++) void doomed.runOnce();
		});
		await deliveredThenKilled;
		const tomEmail = await smtp.waitFor((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'));
		const mariaEmail = await smtp.waitFor((e) => e.to.includes(c.patients.maria.email) && e.subject.startsWith('Recordatorio'));
		const mariaSms = await sms.waitFor((s) => s.to === c.patients.maria.phone);
		let rows = await t.db.select().from(outboxMessages).where(inArray(outboxMessages.idempotencyKey, keys));
		expect(rows.map((r) => r.status)).toEqual(['sending', 'sending', 'sending']);

		// The restarted worker leaves a live lease alone…
		const restarted = outboxWorkerFor(t.db, smtp, sms);
		expect(await restarted.runOnce()).toBe(0);
		// …and once the dead worker's lease has run out (moved into the past here rather than waited
		// for), it takes the messages over and sends them again.
		await t.db.update(outboxMessages).set({ lockedUntil: new Date(Date.now() - 1000) }).where(inArray(outboxMessages.idempotencyKey, keys));
		expect(await restarted.runOnce()).toBe(3);
		await restarted.stop();
		realMail.close();

		// Sent twice on the wire, with the same id both times…
		const tomCopies = smtp.received.filter((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'));
		expect(tomCopies).toHaveLength(2);
		expect(new Set(tomCopies.map((e) => e.messageId))).toEqual(new Set([tomEmail.messageId]));
		const tomKey = keys[reminders.findIndex((r) => r.appointmentId === tom.id)]!;
		expect(tomEmail.messageId).toBe(messageIdFor(tomKey, 'clinic.test'));
		const smsCopies = sms.requests.filter((s) => s.to === c.patients.maria.phone);
		expect(smsCopies).toHaveLength(2);
		expect(new Set(smsCopies.map((s) => s.idempotencyToken))).toEqual(new Set([mariaSms.idempotencyToken]));
		const mariaSmsKey = keys[reminders.findIndex((r) => r.appointmentId === maria.id && r.channel === 'sms')]!;
		expect(mariaSms.idempotencyToken).toBe(smsIdempotencyTokenFor(mariaSmsKey));

		// …so each recipient sees exactly one: nothing dropped, nothing doubled.
		expect(smtp.inbox().filter((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'))).toHaveLength(1);
		expect(smtp.inbox().filter((e) => e.to.includes(c.patients.maria.email) && e.subject.startsWith('Recordatorio'))).toEqual([mariaEmail]);
		expect(sms.delivered.filter((s) => s.to === c.patients.maria.phone)).toHaveLength(1);

		// One outbox row per reminder, sent once (two attempts: the dead one and the resend).
		rows = await t.db.select().from(outboxMessages).where(inArray(outboxMessages.idempotencyKey, keys));
		expect(rows).toHaveLength(3);
		for (const row of rows) expect(row).toMatchObject({ status: 'sent', attempts: 2, lockedUntil: null });
		const after = await t.db.select().from(appointmentReminders).where(inArray(appointmentReminders.appointmentId, [tom.id, maria.id]));
		expect(after.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
		// A further round and a further sweep send nothing more.
		const idle = outboxWorkerFor(t.db, smtp, sms);
		expect(await idle.runOnce()).toBe(0);
		await idle.stop();
		await sweepReminders(t.db, context, new Date(startsAt.getTime() - 1.5 * hour));
		expect(await t.db.select().from(outboxMessages).where(inArray(outboxMessages.idempotencyKey, keys))).toHaveLength(3);
	});

	it('killed after claiming but before sending: the reminder is not dropped', async () => {
		const startsAt = clinicWeekdayAt(10, '13:00');
		const booked = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt });
		await t.db.update(outboxMessages).set({ status: 'sent' }).where(eq(outboxMessages.status, 'pending'));
		await sweepReminders(t.db, context, new Date(startsAt.getTime() - 20 * hour));
		const [reminder] = await t.db.select().from(appointmentReminders).where(eq(appointmentReminders.appointmentId, booked.id));
		const key = `reminder:${reminder!.id}`;
		let claimed!: () => void;
		const died = new Promise<void>((resolve) => (claimed = resolve));
		const hang: MailTransport = {
			send: () => {
				claimed();
				return new Promise<never>(() => {});
			},
			close: () => {}
		};
		void outboxWorkerFor(t.db, smtp, sms, { transport: hang }).runOnce();
		await died;
		expect(smtp.received.filter((e) => e.messageId === messageIdFor(key, 'clinic.test'))).toHaveLength(0);
		await t.db.update(outboxMessages).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(outboxMessages.idempotencyKey, key));
		const restarted = outboxWorkerFor(t.db, smtp, sms);
		expect(await restarted.runOnce()).toBe(1);
		await restarted.stop();
		const [row] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key));
		expect(row).toMatchObject({ status: 'sent', attempts: 2 });
		const delivered = smtp.inbox().filter((e) => e.messageId === messageIdFor(key, 'clinic.test'));
		expect(delivered).toHaveLength(1);
		expect(smtp.received.filter((e) => e.messageId === messageIdFor(key, 'clinic.test'))).toHaveLength(1);
	});
});
