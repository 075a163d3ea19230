/**
 * A fresh PostgreSQL database holding the demo clinic, for tests and benchmarks that run the
 * collaboration server in another process (which reaches it through `url`).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../../db/testing';
import { careTeamMembers, careTeams, encounters, users } from '../../db/schema/index';
import { loadDemoClinic } from '../../db/seed/demo-clinic';
import { hashPassword } from '../../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../../app/lib/server/clinic/demo';

export const demoPassword = 'demo-password-2026';
/** On the care team of patient Maria Garcia. */
export const clinicianEmail = 'dr.chen@riverside.example';

export interface TestClinic {
	database: TestDatabase;
	/** DATABASE_URL for the server process. */
	url: string;
	clinicianUserId: string;
	mariaPatientId: string;
	/** Maria's encounters, oldest first: each is a `note:<encounterId>` document. */
	mariaEncounterIds: string[];
	drop(): Promise<void>;
}

export async function createTestClinic(options: { patientCount?: number } = {}): Promise<TestClinic> {
	const database = await createTestDatabase('postgres');
	try {
		const { db } = database;
		await loadDemoClinic(db, { hashPassword, patientCount: options.patientCount ?? 12 });
		await relaxDemoSignInPolicy(db);
		const [maria] = await db.select().from(users).where(eq(users.email, 'maria.garcia@example.com'));
		const [clinician] = await db.select().from(users).where(eq(users.email, clinicianEmail));
		if (!maria?.patientId || !clinician) throw new Error('The demo clinic has no Maria Garcia or Dr. Chen.');
		const mariaEncounterIds = (
			await db.select({ id: encounters.id }).from(encounters).where(eq(encounters.patientId, maria.patientId)).orderBy(asc(encounters.startAt))
		).map((e) => e.id);
		if (mariaEncounterIds.length < 2) throw new Error('The demo clinic gives Maria Garcia fewer than two encounters.');
		return {
			database,
			url: database.url!,
			clinicianUserId: clinician.id,
			mariaPatientId: maria.patientId,
			mariaEncounterIds,
			drop: () => database.drop()
		};
	} catch (error) {
		await database.drop();
		throw error;
	}
}

/** Encounters (and their patients) of every patient whose care team the practitioner is on. */
export async function careTeamEncounters(clinic: TestClinic): Promise<{ encounterId: string; patientId: string }[]> {
	const { db } = clinic.database;
	const [clinician] = await db.select().from(users).where(eq(users.id, clinic.clinicianUserId));
	const teams = await db
		.select({ patientId: careTeams.patientId })
		.from(careTeamMembers)
		.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
		.where(and(eq(careTeamMembers.practitionerId, clinician!.practitionerId!)));
	const patientIds = teams.map((t) => t.patientId);
	if (patientIds.length === 0) return [];
	return db
		.select({ encounterId: encounters.id, patientId: encounters.patientId })
		.from(encounters)
		.where(inArray(encounters.patientId, patientIds))
		.orderBy(asc(encounters.startAt));
}
