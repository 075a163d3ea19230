import { asc } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics, locations, type Clinic } from '../../../../db/schema/index';

/** A clinic, once created, is never removed; remember that so each request skips the query. */
const setUpDatabases = new WeakSet<Database>();

export async function getClinic(db: Database): Promise<Clinic | null> {
	const [clinic] = await db.select().from(clinics).orderBy(asc(clinics.createdAt)).limit(1);
	if (clinic) setUpDatabases.add(db);
	return clinic ?? null;
}

export async function isClinicSetUp(db: Database): Promise<boolean> {
	if (setUpDatabases.has(db)) return true;
	return (await getClinic(db)) !== null;
}

export async function listLocations(db: Database) {
	return db.select().from(locations).orderBy(asc(locations.name));
}
