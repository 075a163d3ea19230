import type { Database } from '../client';
import type { DemoScheduleInput } from './scheduling-demo';

// STUB(issue-6): the analytics helper replaces this body.

/** Past appointments with their outcomes (attended, no-show, cancelled) and reminder answers. */
export async function seedAppointmentHistory(tx: Database, input: DemoScheduleInput): Promise<{ pastAppointments: number }> {
	void tx;
	void input;
	return { pastAppointments: 0 };
}
