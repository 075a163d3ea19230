import { sql } from 'drizzle-orm';
import type { Database } from '../client';
import {
	allergies,
	careTeamMembers,
	careTeams,
	clinics,
	encounters,
	locations,
	medications,
	observations,
	patientContacts,
	patients,
	practitioners,
	problems,
	proxyGrants,
	users
} from '../schema/index';
import { insertInBatches } from './batch-insert';
import { planDemoClinic } from './plan-demo-clinic';
import { seedDemoSchedule, type DemoScheduleInput } from './scheduling-demo';
import { seedAppointmentHistory } from './appointment-history';
import { demoPassword } from './demo-accounts';

export { demoAccounts, demoPassword, type DemoAccount } from './demo-accounts';

/**
 * Loads "Riverside Family Health", a realistic synthetic practice, into an empty database: two
 * locations, staff of every role with sign-in accounts, patients with two years of history,
 * a child with a parent proxy and a senior with a caregiver. Used by `npm run demo`, the setup
 * page's "load demo data" and the e2e tests. The caller audits the load (it knows the actor).
 */

export interface LoadDemoClinicOptions {
	/** The product's password hasher; called once, the hash is shared by every demo account. */
	hashPassword: (password: string) => Promise<string>;
	/** Patients to create, the named demo patients included; default 200. */
	patientCount?: number;
	/** Same seed and same day, same clinic; default `defaultDemoSeed`. */
	seed?: number;
	/** "Today" of the histories; default the current time. */
	now?: Date;
}

export interface DemoClinicSummary {
	clinicId: string;
	clinicName: string;
	locations: number;
	practitioners: number;
	users: number;
	patients: number;
	contacts: number;
	careTeams: number;
	encounters: number;
	plannedEncounters: number;
	problems: number;
	allergies: number;
	medications: number;
	observations: number;
	proxyGrants: number;
	appointmentTypes: number;
	availabilityRules: number;
	appointments: number;
}

export const defaultDemoSeed = 2026;
export const defaultDemoPatientCount = 200;

/** The demo clinic goes only into an empty database: it must never mix with real records. */
export class ClinicAlreadyExistsError extends Error {
	constructor(readonly clinicName: string) {
		super(`A clinic already exists in this database ("${clinicName}"); the demo clinic can only be loaded into an empty database.`);
		this.name = 'ClinicAlreadyExistsError';
	}
}

export async function loadDemoClinic(db: Database, options: LoadDemoClinicOptions): Promise<DemoClinicSummary> {
	// Refuse before the slow part (hashing, planning); the check inside the transaction is the one that counts.
	await refuseIfClinicExists(db);
	const plan = planDemoClinic({
		seed: options.seed ?? defaultDemoSeed,
		now: options.now ?? new Date(),
		patientCount: options.patientCount ?? defaultDemoPatientCount,
		passwordHash: await options.hashPassword(demoPassword)
	});

	return db.transaction(async (tx) => {
		// Two loads at once (a double click on "load demo data") queue here; the second then refuses.
		await tx.execute(sql`lock table ${clinics} in share row exclusive mode`);
		await refuseIfClinicExists(tx);
		await insertInBatches(tx, clinics, [plan.clinic]);
		await insertInBatches(tx, locations, plan.locations);
		await insertInBatches(tx, practitioners, plan.practitioners);
		await insertInBatches(tx, patients, plan.patients);
		await insertInBatches(tx, users, plan.users);
		await insertInBatches(tx, patientContacts, plan.contacts);
		await insertInBatches(tx, careTeams, plan.careTeams);
		await insertInBatches(tx, careTeamMembers, plan.careTeamMembers);
		await insertInBatches(tx, proxyGrants, plan.proxyGrants);
		await insertInBatches(tx, encounters, plan.encounters);
		await insertInBatches(tx, problems, plan.problems);
		await insertInBatches(tx, allergies, plan.allergies);
		await insertInBatches(tx, medications, plan.medications);
		await insertInBatches(tx, observations, plan.observations);
		// Scheduling (issue 6): types, weekly hours and upcoming visits; then a past to learn from.
		const scheduleInput: DemoScheduleInput = {
			clinicId: plan.clinic.id!,
			clinicTimeZone: plan.clinic.timeZone,
			locations: plan.locations.map((l) => ({ id: l.id!, timeZone: l.timeZone })),
			practitioners: plan.practitioners.map((p) => ({ id: p.id!, primaryLocationId: p.primaryLocationId ?? null })),
			patientIds: plan.patients.map((p) => p.id!),
			now: options.now ?? new Date(),
			seed: options.seed ?? defaultDemoSeed
		};
		const schedule = await seedDemoSchedule(tx, scheduleInput);
		const history = await seedAppointmentHistory(tx, scheduleInput);
		return {
			clinicId: plan.clinic.id,
			clinicName: plan.clinic.name,
			locations: plan.locations.length,
			practitioners: plan.practitioners.length,
			users: plan.users.length,
			patients: plan.patients.length,
			contacts: plan.contacts.length,
			careTeams: plan.careTeams.length,
			encounters: plan.encounters.length,
			plannedEncounters: plan.encounters.filter((e) => e.status === 'planned').length,
			problems: plan.problems.length,
			allergies: plan.allergies.length,
			medications: plan.medications.length,
			observations: plan.observations.length,
			proxyGrants: plan.proxyGrants.length,
			appointmentTypes: schedule.appointmentTypes,
			availabilityRules: schedule.availabilityRules,
			appointments: schedule.appointments + history.pastAppointments
		};
	});
}

async function refuseIfClinicExists(db: Pick<Database, 'select'>): Promise<void> {
	const [existing] = await db.select({ name: clinics.name }).from(clinics).limit(1);
	if (existing) throw new ClinicAlreadyExistsError(existing.name);
}
