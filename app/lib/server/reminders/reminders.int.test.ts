import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointmentReminders, appointments, auditEvents, calendarFeeds, notifications, outboxMessages, patients } from '../../../../db/schema/index';
import { bookAppointment, cancelAppointment, rescheduleAppointment } from '../scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../scheduling/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../mail/test-smtp-server';
import { startTestSmsGateway, type TestSmsGateway } from '../mail/test-sms-gateway';
import type { OutboxWorker } from '../mail/outbox-worker';
import { AccessDenied } from '../access/errors';
import { LinkRefusal } from './action-links';
import { issueCalendarFeed, readCalendarFeed } from './calendar-feed';
import { inspectLink, useLink } from './link-responses';
import { provideReminderContext, type ReminderContext } from './reminder-context';
import { sweepReminders } from './reminder-worker';
import { actionLinksIn, icsLines, icsUtc, icsValue, outboxWorkerFor, testReminderContext, tokenOf } from './test-support';

const hour = 3600_000;

describe.each(testDatabaseKinds)('reminders, links and the calendar feed end to end (%s)', (kind) => {
	let t: TestDatabase;
	let c: SchedulingTestClinic;
	let smtp: TestSmtpServer;
	let sms: TestSmsGateway;
	let context: ReminderContext;
	let worker: OutboxWorker;
	beforeEach(() => {
		worker = outboxWorkerFor(t.db, smtp, sms);
	});
	const meta = { sourceAddress: '127.0.0.1' };

	const remindersOf = (appointmentId: string) => t.db.select().from(appointmentReminders).where(eq(appointmentReminders.appointmentId, appointmentId));
	const book = (patientId: string, startsAt: Date, typeId = c.types.inPerson.id) =>
		bookAppointment(t.db, c.actors.frontDesk, { patientId, appointmentTypeId: typeId, practitionerId: c.practitioners.ruiz, startsAt, reason: 'Chest pain since Tuesday' });

	beforeAll(async () => {
		[t, smtp, sms] = await Promise.all([createTestDatabase(kind), startTestSmtpServer(), startTestSmsGateway()]);
		c = await createSchedulingTestClinic(t.db);
		context = testReminderContext();
		provideReminderContext(context);
	});
	afterEach(async () => {
		await worker.stop();
	});
	afterAll(async () => {
		provideReminderContext(undefined);
		await Promise.all([smtp?.close(), sms?.close()]);
		await t?.drop();
	});

	it('booking plans email 24 h and SMS 2 h before and emails a Spanish confirmation with a valid .ics; a reschedule re-plans, a cancel cancels', async () => {
		const startsAt = clinicWeekdayAt(3, '10:00');
		const booked = await book(c.patients.maria.id, startsAt);
		let planned = await remindersOf(booked.id);
		expect(planned.map((r) => [r.channel, r.leadHours, r.status, r.dueAt.getTime(), r.language]).sort()).toEqual(
			[
				['email', 24, 'scheduled', startsAt.getTime() - 24 * hour, 'es'],
				['sms', 2, 'scheduled', startsAt.getTime() - 2 * hour, 'es']
			].sort()
		);

		await worker.runOnce();
		const notice = await smtp.waitFor((e) => e.to.includes(c.patients.maria.email) && e.subject.startsWith('Su cita está reservada'));
		expect(notice.text).toContain('Hola, Maria:');
		expect(notice.text).not.toContain('Chest pain');
		const ics = notice.attachments.find((a) => a.filename.endsWith('.ics'))!.content;
		expect(ics.startsWith('BEGIN:VCALENDAR')).toBe(true);
		expect(ics).toContain('BEGIN:VEVENT');
		expect(icsValue(ics, 'METHOD')).toBe('REQUEST');
		expect(icsValue(ics, 'UID')).toBe(`appointment-${booked.id}@clinic.test`);
		expect(icsValue(ics, 'DTSTART')).toBe(icsUtc(startsAt));
		expect(icsValue(ics, 'DTEND')).toBe(icsUtc(booked.endsAt));
		expect(icsValue(ics, 'SEQUENCE')).toBe(String(booked.version));
		expect(ics).not.toContain('Chest pain');

		// Rescheduled: the old reminders are cancelled, new ones planned for the new start.
		const newStart = clinicWeekdayAt(4, '14:00');
		const moved = await rescheduleAppointment(t.db, c.actors.frontDesk, { appointmentId: booked.id, startsAt: newStart });
		planned = await remindersOf(booked.id);
		expect(planned.filter((r) => r.status === 'cancelled').map((r) => r.forStartsAt.getTime())).toEqual([startsAt.getTime(), startsAt.getTime()]);
		expect(planned.filter((r) => r.status === 'scheduled').map((r) => r.dueAt.getTime()).sort()).toEqual([newStart.getTime() - 24 * hour, newStart.getTime() - 2 * hour].sort());
		await worker.runOnce();
		const movedNotice = await smtp.waitFor((e) => e.to.includes(c.patients.maria.email) && e.subject.startsWith('Su cita se cambió'));
		const movedIcs = movedNotice.attachments[0]!.content;
		expect(icsValue(movedIcs, 'UID')).toBe(`appointment-${booked.id}@clinic.test`);
		expect(icsValue(movedIcs, 'DTSTART')).toBe(icsUtc(newStart));
		expect(Number(icsValue(movedIcs, 'SEQUENCE'))).toBe(moved.version);
		expect(moved.version).toBeGreaterThan(booked.version);

		await cancelAppointment(t.db, c.actors.frontDesk, { appointmentId: booked.id });
		planned = await remindersOf(booked.id);
		expect(planned.every((r) => r.status === 'cancelled')).toBe(true);
		await worker.runOnce();
		const cancelNotice = await smtp.waitFor((e) => e.to.includes(c.patients.maria.email) && e.subject.includes('fue cancelada'));
		const cancelIcs = cancelNotice.attachments[0]!.content;
		expect(icsValue(cancelIcs, 'METHOD')).toBe('CANCEL');
		expect(icsValue(cancelIcs, 'STATUS')).toBe('CANCELLED');
		expect(icsValue(cancelIcs, 'UID')).toBe(`appointment-${booked.id}@clinic.test`);
	});

	it('due reminders go out in the patient language: a Portuguese email over SMTP, a Spanish SMS to a Twilio-style gateway', async () => {
		const startsAt = clinicWeekdayAt(10, '11:00');
		const tom = await book(c.patients.tom.id, startsAt);
		const maria = await book(c.patients.maria.id, new Date(startsAt.getTime() + hour));
		// Nothing is due a day and a half before.
		expect((await sweepReminders(t.db, context, new Date(startsAt.getTime() - 36 * hour))).queued).toBe(0);
		// Two hours before Maria's visit every reminder of both is due: Tom's email, Maria's email and SMS.
		const result = await sweepReminders(t.db, context, new Date(startsAt.getTime() - 1 * hour));
		expect(result.queued).toBe(3);
		expect((await remindersOf(tom.id)).map((r) => r.status)).toEqual(['queued']);
		expect((await remindersOf(maria.id)).map((r) => r.status).sort()).toEqual(['queued', 'queued']);
		await worker.runOnce();

		const email = await smtp.waitFor((e) => e.to.includes(c.patients.tom.email) && e.subject.startsWith('Lembrete'));
		expect(email.text).toContain('Olá, Tom,');
		expect(email.text).toContain('Confirmar: http://clinic.test/appointment-links/');
		expect(email.text).toMatch(/\d{1,2}:00/);
		expect(email.text).not.toContain('Chest pain');
		expect(actionLinksIn(email.text)).toHaveLength(3);
		expect(email.messageId).toMatch(/@clinic\.test>$/);
		const reminderIcs = email.attachments.find((a) => a.contentType.startsWith('text/calendar'))!.content;
		expect(icsValue(reminderIcs, 'METHOD')).toBe('REQUEST');
		expect(icsValue(reminderIcs, 'UID')).toBe(`appointment-${tom.id}@clinic.test`);
		expect(icsValue(reminderIcs, 'DTSTART')).toBe(icsUtc(startsAt));

		const text = await sms.waitFor((s) => s.to === c.patients.maria.phone);
		expect(text.auth).toEqual({ user: sms.accountSid, password: sms.authToken });
		expect(text.contentType).toBe('application/x-www-form-urlencoded');
		expect(text.from).toBe('+15550009999');
		expect(text.body).toContain('Hola, Maria. Le recordamos su cita');
		expect(text.body).not.toContain('Chest pain');
		expect(text.body).not.toContain('Lopez');
		expect(actionLinksIn(text.body)).toHaveLength(3);
		expect(text.idempotencyToken).toMatch(/^[0-9a-f]{40}$/);
		expect(text.idempotencyKey).toBe(text.idempotencyToken);

		const rows = await t.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'appointment.reminder'));
		expect(rows.every((r) => r.status === 'sent')).toBe(true);
		expect(rows.map((r) => r.idempotencyKey).sort()).toEqual((await t.db.select().from(appointmentReminders).where(eq(appointmentReminders.status, 'queued'))).map((r) => `reminder:${r.id}`).sort());
		// A second sweep sends no reminder again (it may escalate: both visits are inside the deadline now).
		await sweepReminders(t.db, context, new Date(startsAt.getTime() - 1 * hour));
		expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.topic, 'appointment.reminder'))).toHaveLength(rows.length);
	});

	it('a confirm link works once and only once; a tampered or expired link changes nothing', async () => {
		const startsAt = clinicWeekdayAt(17, '09:00');
		const booked = await book(c.patients.tom.id, startsAt);
		await sweepReminders(t.db, context, new Date(startsAt.getTime() - 23 * hour));
		const [confirmUrl, cancelUrl] = (await linksFor(booked.id))!;
		const token = tokenOf(confirmUrl!);

		// Tampered: another action under the same signature, a flipped signature character.
		const [id, , exp, sig] = token.split('.');
		for (const bad of [`${id}.cancel.${exp}.${sig}`, `${id}.confirm.${Number(exp) + 3600}.${sig}`, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`, 'not-a-token']) {
			const refusal = await useLink(t.db, context.linkKey, bad, {}, meta).catch((e: unknown) => e);
			expect(refusal).toBeInstanceOf(LinkRefusal);
			expect((refusal as LinkRefusal).status).toBe(400);
		}
		// Signed with another key.
		await expect(useLink(t.db, new Uint8Array(32), token, {}, meta)).rejects.toMatchObject({ problem: 'malformed' });
		let [row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row).toMatchObject({ status: 'booked', reminderResponse: null, confirmedAt: null });

		// Looking at the page does not spend it.
		const visit = await inspectLink(t.db, context.linkKey, token, meta);
		expect(visit).toMatchObject({ action: 'confirm', firstName: 'Tom', language: 'pt', status: 'booked' });
		expect(JSON.stringify(visit)).not.toContain('Chest pain');

		const used = await useLink(t.db, context.linkKey, token, {}, meta);
		expect(used.status).toBe('confirmed');
		[row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row).toMatchObject({ status: 'confirmed', reminderResponse: 'confirmed' });
		expect(row!.confirmedAt).toBeInstanceOf(Date);
		expect(row!.reminderRespondedAt).toBeInstanceOf(Date);
		const version = row!.version;

		// Second use: refused with 410, nothing changes.
		const again = await useLink(t.db, context.linkKey, token, {}, meta).catch((e: unknown) => e);
		expect(again).toBeInstanceOf(LinkRefusal);
		expect(again).toMatchObject({ problem: 'used', status: 410 });
		await expect(inspectLink(t.db, context.linkKey, token, meta)).rejects.toMatchObject({ problem: 'used' });
		[row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row!.version).toBe(version);

		// Staff were told: the provider and the front desk.
		const told = await t.db.select({ userId: notifications.userId }).from(notifications).where(and(eq(notifications.kind, 'schedule.reminder_response'), eq(notifications.link, `/schedule/${booked.id}`)));
		expect(told.map((n) => n.userId).sort()).toEqual([c.actors.teamPhysician.userId, c.actors.frontDesk.userId].sort());
		const audits = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'appointment.link_use'), eq(auditEvents.resourceId, booked.id)));
		expect(audits.map((a) => a.outcome).sort()).toEqual(['denied', 'denied', 'success']);

		// The cancel link of the same reminder still works on its own; an expired one does not.
		await expect(useLink(t.db, context.linkKey, tokenOf(cancelUrl!), {}, meta, new Date(startsAt.getTime() + 60_000))).rejects.toMatchObject({ problem: 'expired', status: 410 });
		[row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row!.status).toBe('confirmed');
	});

	it('no answer by the deadline: the visit is flagged, staff are told, and an SMS escalation goes out in Portuguese', async () => {
		const startsAt = clinicWeekdayAt(24, '15:00');
		const booked = await book(c.patients.tom.id, startsAt);
		await sweepReminders(t.db, context, new Date(startsAt.getTime() - 23 * hour));
		// Before the deadline (4 h before): nothing happens.
		expect((await sweepReminders(t.db, context, new Date(startsAt.getTime() - 5 * hour))).escalated).toBe(0);
		const result = await sweepReminders(t.db, context, new Date(startsAt.getTime() - 3 * hour));
		expect(result).toEqual({ escalated: 1, queued: 1 });
		const reminders = await remindersOf(booked.id);
		expect(reminders.find((r) => r.purpose === 'escalation')).toMatchObject({ channel: 'sms', status: 'queued', language: 'pt' });
		expect(reminders.find((r) => r.purpose === 'reminder')!.escalatedAt).toBeInstanceOf(Date);
		const [row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row!.flaggedAt).toBeInstanceOf(Date);
		expect(row!.flagReason).toMatch(/No answer/);
		const flagged = await t.db.select({ userId: notifications.userId }).from(notifications).where(and(eq(notifications.kind, 'schedule.flagged'), eq(notifications.link, `/schedule/${booked.id}`)));
		expect(flagged.map((n) => n.userId).sort()).toEqual([c.actors.teamPhysician.userId, c.actors.frontDesk.userId].sort());
		expect(await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'reminder.escalate'), eq(auditEvents.resourceId, booked.id)))).toHaveLength(1);

		await worker.runOnce();
		const text = await sms.waitFor((s) => s.to === c.patients.tom.phone);
		expect(text.body).toMatch(/^Ainda não recebemos a sua resposta\. /);
		// Escalates once.
		expect((await sweepReminders(t.db, context, new Date(startsAt.getTime() - 2 * hour))).escalated).toBe(0);
	});

	it('a reminder whose time passed at booking goes out at once, unless the visit is within 30 minutes', async () => {
		// Tom wants his email 48 h before; booked 30 hours ahead, it is due at once.
		await t.db.update(patients).set({ communicationPreferences: { email: true, sms: false, reminderLeadHours: [], emailLeadHours: [48] } }).where(eq(patients.id, c.patients.tom.id));
		const startsAt = clinicWeekdayAt(31, '16:00');
		const now = new Date(startsAt.getTime() - 30 * hour);
		const { planReminders } = await import('./reminder-planner');
		const booked = await book(c.patients.tom.id, startsAt);
		await t.db.delete(appointmentReminders).where(eq(appointmentReminders.appointmentId, booked.id));
		await t.db.transaction(async (tx) => planReminders(tx as never, booked.id, now));
		expect((await remindersOf(booked.id)).map((r) => [r.status, r.dueAt.getTime()])).toEqual([['scheduled', now.getTime()]]);
		await t.db.delete(appointmentReminders).where(eq(appointmentReminders.appointmentId, booked.id));
		await t.db.transaction(async (tx) => planReminders(tx as never, booked.id, new Date(startsAt.getTime() - 20 * 60_000)));
		expect((await remindersOf(booked.id)).map((r) => [r.status, r.skipReason])).toEqual([['skipped', 'booked too close to the start']]);
		await t.db.update(patients).set({ communicationPreferences: { email: true, sms: false, reminderLeadHours: [] } }).where(eq(patients.id, c.patients.tom.id));
	});

	it('serves the provider upcoming visits with initials only; re-issuing revokes the old URL; unknown tokens get nothing', async () => {
		const startsAt = clinicWeekdayAt(38, '11:00');
		const kept = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt, reason: 'Migraine' });
		const dropped = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.telehealth.id, practitionerId: c.practitioners.ruiz, startsAt: clinicWeekdayAt(38, '16:00') });
		await cancelAppointment(t.db, c.actors.frontDesk, { appointmentId: dropped.id });
		const otherProvider = await bookAppointment(t.db, c.actors.frontDesk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.okafor, startsAt });

		await expect(issueCalendarFeed(t.db, c.actors.outsidePhysician, c.practitioners.ruiz)).rejects.toBeInstanceOf(AccessDenied);
		const first = await issueCalendarFeed(t.db, c.actors.teamPhysician, c.practitioners.ruiz);
		expect(first.url).toMatch(/^http:\/\/clinic\.test\/api\/schedule\/feeds\/[A-Za-z0-9_-]{43}$/);
		const token = first.url.split('/').pop()!;
		const [stored] = await t.db.select().from(calendarFeeds).where(eq(calendarFeeds.practitionerId, c.practitioners.ruiz));
		expect(stored!.tokenHash).not.toContain(token);

		const ics = (await readCalendarFeed(t.db, token, meta, new Date(startsAt.getTime() - 86_400_000)))!;
		const lines = icsLines(ics);
		expect(lines[0]).toMatchObject({ name: 'BEGIN', value: 'VCALENDAR' });
		// Only this provider's visits that still hold their time; each event as in the .ics of notices.
		const uids = lines.filter((l) => l.name === 'UID').map((l) => l.value);
		expect(uids).toContain(`appointment-${kept.id}@clinic.test`);
		expect(uids).not.toContain(`appointment-${dropped.id}@clinic.test`);
		expect(uids).not.toContain(`appointment-${otherProvider.id}@clinic.test`);
		expect(uids).toHaveLength(lines.filter((l) => l.name === 'BEGIN' && l.value === 'VEVENT').length);
		const event = ics.replace(/\r\n[ \t]/g, '').split('BEGIN:VEVENT').find((e) => e.includes(`UID:appointment-${kept.id}@`))!;
		expect(event).toContain(`DTSTART:${icsUtc(startsAt)}`);
		expect(event).toContain('SUMMARY:Office visit · M.L.');
		expect(ics).not.toMatch(/Maria|Lopez|Tom|Baker|Migraine|Chest/);

		const second = await issueCalendarFeed(t.db, c.actors.frontDesk, c.practitioners.ruiz);
		expect(await readCalendarFeed(t.db, token, meta, new Date(startsAt.getTime() - 86_400_000))).toBeNull();
		expect(await readCalendarFeed(t.db, second.url.split('/').pop()!, meta, new Date(startsAt.getTime() - 86_400_000))).toContain('BEGIN:VEVENT');
		expect(await readCalendarFeed(t.db, 'A'.repeat(43), meta)).toBeNull();
		expect(await readCalendarFeed(t.db, '../x', meta)).toBeNull();
		const reads = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'schedule.feed_read'), eq(auditEvents.resourceId, c.practitioners.ruiz)));
		expect(reads).toHaveLength(2);
		expect(await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'schedule.feed_issue'), eq(auditEvents.outcome, 'denied')))).toHaveLength(1);
	});

	/** The URLs of the newest links of an appointment, rebuilt from the outbox email (the one source of the tokens). */
	async function linksFor(appointmentId: string): Promise<string[] | null> {
		const [reminder] = await t.db.select().from(appointmentReminders).where(and(eq(appointmentReminders.appointmentId, appointmentId), eq(appointmentReminders.status, 'queued')));
		if (!reminder) return null;
		const [message] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `reminder:${reminder.id}`));
		const payload = message!.payload as { text: string };
		return actionLinksIn(payload.text);
	}
});
