import { and, asc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointmentReminders, appointments, type AppointmentReminder } from '../../../../db/schema/scheduling';
import type { Notification } from '../../../../db/schema/index';
import { recordAuditEvent } from '../audit/audit-log';
import { enqueueEmail, enqueueSms } from '../mail/outbox';
import { pushNotifications, writeNotifications } from '../notifications/notifications';
import type { Logger } from '../platform/logger';
import { flagAppointment } from '../scheduling/booking';
import { createActionLinks } from './action-links';
import { icsAttachmentFor } from './appointment-notices';
import { languageOf, loadAppointmentForMessages, messageContextOf, readReminderDefaults } from './appointment-context';
import type { ReminderContext } from './reminder-context';
import { formatWhen, renderReminderEmail, renderReminderSms } from './reminder-templates';
import { appointmentStaffUserIds } from './staff-recipients';

/**
 * The reminder worker. Each sweep
 *  1. escalates: an appointment still unanswered (booked, not confirmed, no reminder response)
 *     once `response_deadline_hours` before its start, after a reminder went out, gets an
 *     'escalation' reminder on the other channel (when the patient has one), is flagged for
 *     staff, and staff are told ('schedule.flagged'); audited 'reminder.escalate';
 *  2. queues due reminders: each reminder that is 'scheduled' and due is claimed (FOR UPDATE
 *     SKIP LOCKED, so two workers never take the same one) and, in ONE transaction, gets fresh
 *     signed action links, is rendered in the patient's language, written to the durable outbox
 *     (idempotency key `reminder:<id>`) and marked 'queued'. Either all of that commits or none:
 *     a crash before the commit leaves the reminder 'scheduled' for the next sweep, a crash
 *     after it leaves the message in the outbox, whose worker delivers it (see outbox-worker.ts
 *     for what "exactly once" rests on across a crash mid-send).
 *
 * A reminder whose visit was cancelled, moved or has started is not sent (cancelled / skipped).
 */

export interface ReminderWorkerOptions {
	db: Database;
	logger: Logger;
	context: ReminderContext;
	intervalMs?: number;
	now?: () => Date;
}

export interface ReminderWorker {
	/** One sweep now; resolves with what it did. Sweeps never overlap. */
	tick(): Promise<SweepResult>;
	stop(): Promise<void>;
}

export interface SweepResult {
	escalated: number;
	queued: number;
}

export function startReminderWorker(options: ReminderWorkerOptions): ReminderWorker {
	const { db, logger, context } = options;
	const intervalMs = options.intervalMs ?? 60_000;
	const now = options.now ?? (() => new Date());
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running: Promise<SweepResult> | undefined;
	let stopped = false;

	const tick = (): Promise<SweepResult> => {
		running ??= (async () => {
			try {
				return await sweepReminders(db, context, now());
			} finally {
				running = undefined;
			}
		})();
		return running;
	};
	const loop = () => {
		if (stopped) return;
		tick()
			.then((result) => {
				if (result.queued || result.escalated) logger.info(result, 'reminders swept');
			})
			.catch((error: Error) => logger.error({ err: { name: error.name, message: error.message.slice(0, 200) } }, 'reminder sweep failed'))
			.finally(() => {
				if (stopped) return;
				timer = setTimeout(loop, intervalMs);
				timer.unref?.();
			});
	};
	// The first sweep soon after start-up: reminders that fell due while the server was down go out.
	timer = setTimeout(loop, Math.min(intervalMs, 5_000));
	timer.unref?.();
	return {
		tick,
		stop: async () => {
			stopped = true;
			clearTimeout(timer);
			await running?.catch(() => {});
		}
	};
}

export async function sweepReminders(db: Database, context: ReminderContext, now = new Date()): Promise<SweepResult> {
	const escalated = await escalateUnanswered(db, now);
	const queued = await queueDueReminders(db, context, now);
	return { escalated, queued };
}

/** Queues every due reminder, one transaction each. Returns how many went to the outbox. */
export async function queueDueReminders(db: Database, context: ReminderContext, now = new Date(), limit = 500): Promise<number> {
	let queued = 0;
	for (let i = 0; i < limit; i++) {
		const outcome = await queueNextReminder(db, context, now);
		if (outcome === 'none') break;
		if (outcome === 'queued') queued += 1;
	}
	return queued;
}

type QueueOutcome = 'none' | 'queued' | 'dropped';

async function queueNextReminder(db: Database, context: ReminderContext, now: Date): Promise<QueueOutcome> {
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [reminder] = await tx
			.select()
			.from(appointmentReminders)
			.where(and(eq(appointmentReminders.status, 'scheduled'), lte(appointmentReminders.dueAt, now)))
			.orderBy(asc(appointmentReminders.dueAt))
			.limit(1)
			.for('update', { skipLocked: true });
		if (!reminder) return 'none';
		const drop = async (status: 'cancelled' | 'skipped', skipReason: string): Promise<QueueOutcome> => {
			await tx.update(appointmentReminders).set({ status, skipReason, updatedAt: now }).where(eq(appointmentReminders.id, reminder.id));
			return 'dropped';
		};
		const a = await loadAppointmentForMessages(tx, reminder.appointmentId);
		if (!a) return drop('cancelled', 'appointment gone');
		const { appointment, patient } = a;
		if (appointment.status !== 'booked' && appointment.status !== 'confirmed') return drop('cancelled', `appointment ${appointment.status}`);
		if (appointment.startsAt.getTime() !== reminder.forStartsAt.getTime()) return drop('cancelled', 'appointment moved');
		if (appointment.startsAt.getTime() <= now.getTime()) return drop('skipped', 'the visit has started');
		// An escalation is pointless once the patient answered.
		if (reminder.purpose === 'escalation' && appointment.reminderResponse) return drop('skipped', 'the patient answered');
		const address = reminder.channel === 'email' ? patient.email : patient.phone;
		if (!address) return drop('skipped', reminder.channel === 'email' ? 'no email address' : 'no mobile number');

		const language = languageOf(a);
		const links = await createActionLinks(tx, { appointmentId: appointment.id, reminderId: reminder.id, expiresAt: appointment.startsAt, key: context.linkKey, origin: context.origin });
		const message = messageContextOf(a, language);
		const escalation = reminder.purpose === 'escalation';
		const idempotencyKey = `reminder:${reminder.id}`;
		if (reminder.channel === 'email') {
			const email = renderReminderEmail(message, links, { escalation });
			await enqueueEmail(tx, {
				idempotencyKey,
				topic: `appointment.${reminder.purpose}`,
				email: { to: address, subject: email.subject, text: email.text, attachments: [icsAttachmentFor(a, 'REQUEST')] }
			});
		} else {
			await enqueueSms(tx, { idempotencyKey, topic: `appointment.${reminder.purpose}`, sms: { to: address, text: renderReminderSms(message, links, { escalation }) } });
		}
		await tx
			.update(appointmentReminders)
			.set({ status: 'queued', language, outboxIdempotencyKey: idempotencyKey, queuedAt: now, updatedAt: now })
			.where(eq(appointmentReminders.id, reminder.id));
		await recordAuditEvent(tx, null, {
			action: 'reminder.queue',
			outcome: 'success',
			patientId: patient.id,
			resourceType: 'appointment_reminder',
			resourceId: reminder.id,
			reason: `${reminder.channel} ${reminder.purpose} ${reminder.leadHours}h; language ${language}`
		});
		return 'queued';
	});
}

/** Escalates every unanswered appointment past its response deadline. Returns how many. */
export async function escalateUnanswered(db: Database, now = new Date()): Promise<number> {
	const { responseDeadlineHours } = await readReminderDefaults(db);
	const deadline = new Date(now.getTime() + responseDeadlineHours * 3600_000);
	const candidates = await db
		.selectDistinct({ appointmentId: appointmentReminders.appointmentId })
		.from(appointmentReminders)
		.innerJoin(appointments, eq(appointments.id, appointmentReminders.appointmentId))
		.where(
			and(
				eq(appointmentReminders.status, 'queued'),
				eq(appointmentReminders.purpose, 'reminder'),
				isNull(appointmentReminders.escalatedAt),
				eq(appointmentReminders.forStartsAt, appointments.startsAt),
				eq(appointments.status, 'booked'),
				isNull(appointments.reminderResponse),
				gt(appointments.startsAt, now),
				lte(appointments.startsAt, deadline)
			)
		);
	let escalated = 0;
	for (const { appointmentId } of candidates) {
		const notified = await escalateOne(db, appointmentId, responseDeadlineHours, now);
		if (notified) {
			escalated += 1;
			pushNotifications(notified);
		}
	}
	return escalated;
}

async function escalateOne(db: Database, appointmentId: string, deadlineHours: number, now: Date): Promise<Notification[] | null> {
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const a = await loadAppointmentForMessages(tx, appointmentId);
		if (!a || a.appointment.status !== 'booked' || a.appointment.reminderResponse) return null;
		const { appointment, patient } = a;
		// Whoever marks the reminders escalated first does the escalation (another worker may race).
		const marked: Pick<AppointmentReminder, 'channel'>[] = await tx
			.update(appointmentReminders)
			.set({ escalatedAt: now, updatedAt: now })
			.where(
				and(
					eq(appointmentReminders.appointmentId, appointmentId),
					eq(appointmentReminders.status, 'queued'),
					eq(appointmentReminders.purpose, 'reminder'),
					isNull(appointmentReminders.escalatedAt),
					eq(appointmentReminders.forStartsAt, appointment.startsAt)
				)
			)
			.returning({ channel: appointmentReminders.channel });
		if (marked.length === 0) return null;
		const used = new Set(marked.map((m) => m.channel));
		const other = used.has('email') && !used.has('sms') ? 'sms' : used.has('sms') && !used.has('email') ? 'email' : null;
		const otherAddress = other === 'sms' ? patient.phone : other === 'email' ? patient.email : null;
		if (other && otherAddress) {
			await tx
				.insert(appointmentReminders)
				.values({ appointmentId, channel: other, purpose: 'escalation', leadHours: deadlineHours, forStartsAt: appointment.startsAt, dueAt: now, language: languageOf(a) })
				.onConflictDoNothing();
		}
		const reason = 'No answer to the reminder by the deadline';
		await flagAppointment(tx, null, { appointmentId, reason });
		await recordAuditEvent(tx, null, {
			action: 'reminder.escalate',
			outcome: 'success',
			patientId: patient.id,
			resourceType: 'appointment',
			resourceId: appointmentId,
			reason: other && otherAddress ? `no answer ${deadlineHours}h before; escalated to ${other}` : `no answer ${deadlineHours}h before; no other channel, flagged only`
		});
		const when = formatWhen(appointment.startsAt, 'en', a.location?.timeZone ?? a.clinic.timeZone);
		return writeNotifications(tx, await appointmentStaffUserIds(tx, appointment.practitionerId), {
			kind: 'schedule.flagged',
			title: `No answer to reminder: ${patient.givenName} ${patient.familyName}`,
			body: `${a.typeName}, ${when}. ${other && otherAddress ? `A reminder by ${other === 'sms' ? 'text message' : 'email'} went out now.` : 'No other way to reach them by message: please call.'}`,
			link: `/schedule/${appointmentId}`,
			patientId: patient.id
		});
	});
}

/** For the worker's tests: an appointment's reminders in planning order. */
export async function remindersOf(db: Database, appointmentIds: string[]): Promise<AppointmentReminder[]> {
	if (appointmentIds.length === 0) return [];
	return db.select().from(appointmentReminders).where(inArray(appointmentReminders.appointmentId, appointmentIds)).orderBy(asc(appointmentReminders.dueAt), sql`${appointmentReminders.channel}`);
}
