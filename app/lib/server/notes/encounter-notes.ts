import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { encounters, locations, patients, practitioners } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { NotFound } from '../access/errors';
import { authorizePatient } from '../access/patient-access';

/**
 * The encounters whose clinical notes a care team writes together. A note is a collaborative
 * document (`note:<encounterId>`); this module only answers which encounters exist and whether
 * one belongs to the patient in the address, after the one access decision. Opening the note's
 * document is decided again by the collaboration server, per connection.
 *
 * Notes are clinical content, so both calls require the 'clinical' part: the front desk and
 * billing see encounters on the chart overview, never their notes.
 */

export interface NoteEncounter {
	id: string;
	kind: string;
	status: string;
	startAt: string;
	reason: string;
	practitionerName: string | null;
	locationName: string | null;
}

/** Who the notes are about, for the page heading. */
export interface NotePatient {
	id: string;
	givenName: string;
	familyName: string;
}

/** Enough for a year of weekly visits; older notes are still reachable by their address. */
export const noteEncounterLimit = 100;

export async function listNoteEncounters(db: Database, actor: Actor, patientId: string): Promise<{ patient: NotePatient; encounters: NoteEncounter[] }> {
	const access = await authorizePatient(db, actor, patientId, { action: 'patient.view', require: ['clinical'], resourceType: 'encounter_notes' });
	const [patient, rows] = await Promise.all([
		selectPatient(db, access.patientId),
		selectEncounters(db).where(eq(encounters.patientId, access.patientId)).orderBy(desc(encounters.startAt)).limit(noteEncounterLimit)
	]);
	return { patient, encounters: rows.map(toNoteEncounter) };
}

/** The encounter, if it is this patient's; NotFound for an encounter of anyone else. */
export async function getNoteEncounter(
	db: Database,
	actor: Actor,
	patientId: string,
	encounterId: string
): Promise<{ patient: NotePatient; encounter: NoteEncounter }> {
	const access = await authorizePatient(db, actor, patientId, {
		action: 'patient.view',
		require: ['clinical'],
		resourceType: 'encounter_note',
		resourceId: encounterId
	});
	const [patient, [row]] = await Promise.all([
		selectPatient(db, access.patientId),
		selectEncounters(db).where(and(eq(encounters.id, encounterId), eq(encounters.patientId, access.patientId)))
	]);
	// The same answer for "no such encounter" and "another patient's": an address reveals nothing.
	if (!row) throw new NotFound('No encounter with that id for this patient.');
	return { patient, encounter: toNoteEncounter(row) };
}

async function selectPatient(db: Database, patientId: string): Promise<NotePatient> {
	const [patient] = await db
		.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName })
		.from(patients)
		.where(eq(patients.id, patientId));
	if (!patient) throw new NotFound('No patient with that id.');
	return patient;
}

function selectEncounters(db: Database) {
	return db
		.select({
			id: encounters.id,
			kind: encounters.kind,
			status: encounters.status,
			startAt: encounters.startAt,
			reason: encounters.reason,
			practitionerGiven: practitioners.givenName,
			practitionerFamily: practitioners.familyName,
			practitionerCredentials: practitioners.credentials,
			locationName: locations.name
		})
		.from(encounters)
		.leftJoin(practitioners, eq(practitioners.id, encounters.practitionerId))
		.leftJoin(locations, eq(locations.id, encounters.locationId))
		.$dynamic();
}

type EncounterRow = Awaited<ReturnType<ReturnType<typeof selectEncounters>['execute']>>[number];

function toNoteEncounter(row: EncounterRow): NoteEncounter {
	const name = row.practitionerFamily === null ? null : `${row.practitionerGiven ?? ''} ${row.practitionerFamily}`.trim();
	return {
		id: row.id,
		kind: row.kind,
		status: row.status,
		startAt: row.startAt.toISOString(),
		reason: row.reason,
		practitionerName: name && row.practitionerCredentials ? `${name}, ${row.practitionerCredentials}` : name,
		locationName: row.locationName
	};
}
