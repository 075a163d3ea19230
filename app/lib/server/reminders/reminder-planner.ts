import type { Database } from '../../../../db/client';

// STUB(issue-6): the reminders helper replaces these bodies; booking already calls them.

/**
 * (Re)plans the reminders of one appointment inside the booking's transaction: cancels planned
 * reminders made for another start time, and plans one per channel and lead time for the current
 * start, from the patient's preferences and the clinic's defaults.
 */
export async function planReminders(tx: Database, appointmentId: string): Promise<void> {
	void tx;
	void appointmentId;
}

/** Cancels every reminder not yet handed to the outbox (a cancelled appointment). */
export async function cancelReminders(tx: Database, appointmentId: string): Promise<void> {
	void tx;
	void appointmentId;
}
