/**
 * The benchmark's database: a fresh PostgreSQL database with the demo clinic, Dr. Chen on
 * every care team (so every encounter note is a document the benchmark may open), a session
 * for her, and charts with a long history for the cold-load figure.
 */
import { eq, notInArray } from 'drizzle-orm';
import * as Y from 'yjs';
import { careTeamMembers, careTeams, docUpdates, encounters, users } from '../../db/schema/index';
import { insertInBatches } from '../../db/seed/batch-insert';
import { createSession, generateSessionToken, sessionCookieName } from '../../app/lib/server/auth/session';
import { chartSectionText, ensureChartSections } from '../../app/lib/collab/chart-shape';
import { careTeamEncounters, createTestClinic, type TestClinic } from '../../collab-server/testing/test-clinic';

export interface BenchClinic {
	clinic: TestClinic;
	cookie: string;
	/** note:<encounterId> for every encounter in the clinic. */
	noteDocuments: string[];
	/** chart:<patientId> of every patient, for documents that get a long history. */
	chartDocuments: string[];
	drop(): Promise<void>;
}

export async function createBenchClinic(): Promise<BenchClinic> {
	const clinic = await createTestClinic({ patientCount: 200 });
	const { db } = clinic.database;
	const [chen] = await db.select().from(users).where(eq(users.id, clinic.clinicianUserId));
	const already = await db.select({ id: careTeamMembers.careTeamId }).from(careTeamMembers).where(eq(careTeamMembers.practitionerId, chen!.practitionerId!));
	const missing = await db
		.select({ id: careTeams.id })
		.from(careTeams)
		.where(already.length ? notInArray(careTeams.id, already.map((t) => t.id)) : undefined);
	await insertInBatches(
		db,
		careTeamMembers,
		missing.map((t) => ({ careTeamId: t.id, practitionerId: chen!.practitionerId!, role: 'member' as const }))
	);
	const token = generateSessionToken();
	await createSession(db, token, clinic.clinicianUserId, 24 * 3600_000);
	const notes = await db.select({ id: encounters.id }).from(encounters);
	const patientsOnTeam = [...new Set((await careTeamEncounters(clinic)).map((e) => e.patientId))];
	return {
		clinic,
		cookie: `${sessionCookieName}=${token}`,
		noteDocuments: notes.map((e) => `note:${e.id}`),
		chartDocuments: patientsOnTeam.map((id) => `chart:${id}`),
		drop: () => clinic.drop()
	};
}

/**
 * 10,000 updates of chart history, as typing produces them: the section texts created once,
 * then one character per update into the history section. Written straight into the log, as
 * the server would have appended them, so the next open is a cold load from the database.
 */
export function chartHistory(updates: number): Uint8Array[] {
	const doc = new Y.Doc();
	const captured: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => captured.push(update));
	ensureChartSections(doc);
	const history = chartSectionText(doc, 'history');
	const phrase = 'Hypertension since 2019, well controlled on lisinopril. ';
	for (let i = 0; captured.length < updates; i++) history.insert(history.length, phrase[i % phrase.length]!);
	doc.destroy();
	return captured;
}

export async function writeHistory(bench: BenchClinic, documentName: string, updates: Uint8Array[]): Promise<void> {
	await insertInBatches(
		bench.clinic.database.db,
		docUpdates,
		updates.map((update) => ({ documentName, update, authorUserId: bench.clinic.clinicianUserId, origin: 'client' as const, parts: ['history'] })),
		1_000
	);
}
