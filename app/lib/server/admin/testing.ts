/** Test helpers for the admin module: a demo clinic on a test database and actors for its accounts. */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../../../../db/testing';
import type { DatabaseKind } from '../../../../db/client';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { patients, users } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';

/** A fixed cheap hash: these tests never sign in with a password. */
const fakeHash = async () => '$argon2id$v=19$m=19456,t=2,p=1$not-a-real-salt$not-a-real-hash';

export async function demoClinicDatabase(kind: DatabaseKind): Promise<TestDatabase> {
	const database = await createTestDatabase(kind);
	await loadDemoClinic(database.db, { hashPassword: fakeHash, patientCount: 12 });
	return database;
}

export async function actorFor(database: TestDatabase, email: string): Promise<Actor> {
	const [user] = await database.db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
	if (!user) throw new Error(`No demo account ${email}.`);
	return {
		userId: user.id,
		role: user.role,
		displayName: user.displayName,
		practitionerId: user.practitionerId,
		patientId: user.patientId,
		sessionId: randomUUID(),
		sourceAddress: '127.0.0.1',
		requestId: randomUUID()
	};
}

export async function patientIdOf(database: TestDatabase, givenName: string, familyName: string): Promise<string> {
	const [row] = await database.db
		.select({ id: patients.id })
		.from(patients)
		.where(sql`${patients.givenName} = ${givenName} and ${patients.familyName} = ${familyName}`);
	if (!row) throw new Error(`No demo patient ${givenName} ${familyName}.`);
	return row.id;
}

export async function userIdOf(database: TestDatabase, email: string): Promise<string> {
	const [row] = await database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
	if (!row) throw new Error(`No account ${email}.`);
	return row.id;
}
