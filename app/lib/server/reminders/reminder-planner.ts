import { and, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointmentReminders, type NewAppointmentReminder } from '../../../../db/schema/scheduling';
import { languageOf, loadAppointmentForMessages, readReminderDefaults } from './appointment-context';
import { effectiveChannels } from './reminder-preferences';

/**
 * A reminder whose time has already passed when the visit is booked (booked 3 hours ahead with a
 * 24-hour reminder) goes out at once — unless the visit starts within this margin, when a
 * reminder would only be noise.
 */
export const lateReminderMarginMs = 30 * 60_000;

/** Statuses of an appointment that still gets reminders. */
const remindable = new Set(['booked', 'confirmed']);

/**
 * (Re)plans the reminders of one appointment inside the booking's transaction: cancels planned
 * reminders made for another start time, and plans one per channel and lead time for the current
 * start, from the patient's preferences and the clinic's defaults.
 *
 * Reminders already handed to the outbox ('queued') are history and stay. A channel the patient
 * wants but has no address for is recorded as 'skipped' with the reason, so staff can see why
 * no reminder went out. Planning twice for the same start changes nothing (the unique index on
 * appointment, channel, purpose, lead time and start).
 */
export async function planReminders(tx: Database, appointmentId: string, now = new Date()): Promise<void> {
	const a = await loadAppointmentForMessages(tx, appointmentId);
	if (!a) return;
	const { appointment } = a;
	if (!remindable.has(appointment.status)) {
		await cancelReminders(tx, appointmentId);
		return;
	}
	// Planned for another start time (a reschedule): those no longer apply.
	await tx
		.update(appointmentReminders)
		.set({ status: 'cancelled', updatedAt: now })
		.where(and(eq(appointmentReminders.appointmentId, appointmentId), eq(appointmentReminders.status, 'scheduled'), ne(appointmentReminders.forStartsAt, appointment.startsAt)));

	const defaults = await readReminderDefaults(tx);
	const language = languageOf(a);
	const startsAt = appointment.startsAt.getTime();
	const rows: NewAppointmentReminder[] = [];
	for (const plan of effectiveChannels(a.patient, defaults)) {
		let sentAtOnce = false;
		// Longest lead first: of several times already past, only the first goes out at once.
		for (const leadHours of plan.leadHours) {
			const base = { appointmentId, channel: plan.channel, purpose: 'reminder' as const, leadHours, forStartsAt: appointment.startsAt, language };
			const dueAt = startsAt - leadHours * 3600_000;
			if (!plan.address) {
				rows.push({ ...base, dueAt: new Date(dueAt), status: 'skipped', skipReason: plan.channel === 'email' ? 'no email address' : 'no mobile number' });
			} else if (dueAt > now.getTime()) {
				rows.push({ ...base, dueAt: new Date(dueAt) });
			} else if (startsAt - now.getTime() > lateReminderMarginMs && !sentAtOnce) {
				sentAtOnce = true;
				rows.push({ ...base, dueAt: now });
			} else {
				rows.push({ ...base, dueAt: new Date(dueAt), status: 'skipped', skipReason: sentAtOnce ? 'an earlier reminder goes out now' : 'booked too close to the start' });
			}
		}
	}
	if (rows.length === 0) return;
	await tx
		.insert(appointmentReminders)
		.values(rows)
		.onConflictDoUpdate({
			target: [appointmentReminders.appointmentId, appointmentReminders.channel, appointmentReminders.purpose, appointmentReminders.leadHours, appointmentReminders.forStartsAt],
			// Moved away and back again: the reminder cancelled on the way out is planned again.
			set: { status: sql`excluded.status`, dueAt: sql`excluded.due_at`, skipReason: sql`excluded.skip_reason`, language: sql`excluded.language`, updatedAt: now },
			setWhere: eq(appointmentReminders.status, 'cancelled')
		});
}

/** Cancels every reminder not yet handed to the outbox (a cancelled appointment). */
export async function cancelReminders(tx: Database, appointmentId: string, now = new Date()): Promise<void> {
	await tx
		.update(appointmentReminders)
		.set({ status: 'cancelled', updatedAt: now })
		.where(and(eq(appointmentReminders.appointmentId, appointmentId), eq(appointmentReminders.status, 'scheduled')));
}
