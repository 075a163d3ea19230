import type { Database } from '../client';

// STUB(issue-6): the booking helper replaces this body.

export interface DemoScheduleInput {
	clinicId: string;
	clinicTimeZone: string;
	locations: { id: string; timeZone: string }[];
	practitioners: { id: string; primaryLocationId: string | null }[];
	patientIds: string[];
	now: Date;
	seed: number;
}

/** Appointment types, providers' weekly hours, scheduling settings and a few upcoming visits. */
export async function seedDemoSchedule(tx: Database, input: DemoScheduleInput): Promise<{ appointmentTypes: number; availabilityRules: number; appointments: number }> {
	void tx;
	void input;
	return { appointmentTypes: 0, availabilityRules: 0, appointments: 0 };
}
