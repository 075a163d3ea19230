import type { Database } from '../../../../db/client';

// STUB(issue-6): the reminders helper replaces this body; booking already calls it.

export type AppointmentNoticeKind = 'booked' | 'rescheduled' | 'cancelled';

/**
 * Puts the patient's confirmation (booked, moved or cancelled) in the durable outbox inside the
 * booking's transaction: in the patient's language, with an .ics (REQUEST, or CANCEL).
 */
export async function enqueueAppointmentNotice(tx: Database, appointmentId: string, kind: AppointmentNoticeKind): Promise<void> {
	void tx;
	void appointmentId;
	void kind;
}
