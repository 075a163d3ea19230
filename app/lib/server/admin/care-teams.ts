import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeamRoles, careTeams, patients, practitioners, users } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { NotFound } from '../access/errors';
import { emitAccessEvent } from '../access/access-events';
import { authorizePatient } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { requireClinicManager } from './guard';
import { syncPatientThreadMembers } from '../messaging/members';

/**
 * Who is on a patient's care team. Membership is what opens a chart to a physician or nurse
 * (the access module reads it), so every change is audited, and a removal is announced on the
 * access-event bus so open connections of that clinician drop the chart at once.
 */

export type CareTeamRole = (typeof careTeamRoles)[number];

const practitionerField = z.string({ error: 'Choose a practitioner.' }).uuid('Choose a practitioner from the list.');
export const careTeamChangeSchema = z.object({
	practitionerId: practitionerField,
	role: z.enum(careTeamRoles, { error: 'Choose primary or member.' }).default('member')
});
export const careTeamRemovalSchema = z.object({ practitionerId: practitionerField });

export interface PractitionerOption {
	id: string;
	/** "Emily Chen, MD" */
	name: string;
	kind: 'physician' | 'nurse';
	specialty: string;
}

export interface CareTeamView {
	patient: { id: string; givenName: string; familyName: string; mrn: string; birthDate: string };
	members: (PractitionerOption & { role: CareTeamRole })[];
	/** Practitioners not on the team, for the "add" form. */
	candidates: PractitionerOption[];
}

function nameOf(p: { givenName: string; familyName: string; credentials: string }): string {
	const name = `${p.givenName} ${p.familyName}`.trim();
	return p.credentials ? `${name}, ${p.credentials}` : name;
}

const practitionerColumns = {
	id: practitioners.id,
	givenName: practitioners.givenName,
	familyName: practitioners.familyName,
	credentials: practitioners.credentials,
	kind: practitioners.kind,
	specialty: practitioners.specialty
};

export async function getCareTeam(db: Database, actor: Actor, patientId: string): Promise<CareTeamView> {
	await requireClinicManager(db, actor, 'patient.view');
	// The seam decides and audits; an administrator's role sees the demographics shown here.
	await authorizePatient(db, actor, patientId, { action: 'patient.view', require: ['demographics'], resourceType: 'care_team' });
	const [patient] = await db
		.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName, mrn: patients.mrn, birthDate: patients.birthDate })
		.from(patients)
		.where(eq(patients.id, patientId));
	if (!patient) throw new NotFound('No patient with that id.');
	const members = await db
		.select({ ...practitionerColumns, role: careTeamMembers.role })
		.from(careTeams)
		.innerJoin(careTeamMembers, eq(careTeamMembers.careTeamId, careTeams.id))
		.innerJoin(practitioners, eq(practitioners.id, careTeamMembers.practitionerId))
		.where(eq(careTeams.patientId, patientId))
		.orderBy(desc(careTeamMembers.role), asc(practitioners.familyName), asc(practitioners.givenName));
	const everyone = await db.select(practitionerColumns).from(practitioners).orderBy(asc(practitioners.familyName), asc(practitioners.givenName));
	const onTeam = new Set(members.map((m) => m.id));
	const option = (p: (typeof everyone)[number]): PractitionerOption => ({ id: p.id, name: nameOf(p), kind: p.kind, specialty: p.specialty });
	return {
		patient,
		members: members.map((m) => ({ ...option(m), role: m.role })),
		candidates: everyone.filter((p) => !onTeam.has(p.id)).map(option)
	};
}

/** Adds a practitioner (or changes their role on the team). A new primary makes the old one a member. */
export async function setCareTeamMember(db: Database, actor: Actor, patientId: string, practitionerId: string, role: CareTeamRole): Promise<void> {
	await requireClinicManager(db, actor, 'care_team.change');
	await authorizePatient(db, actor, patientId, { action: 'patient.view', require: ['demographics'], resourceType: 'care_team' });
	const [practitioner] = await db.select({ id: practitioners.id }).from(practitioners).where(eq(practitioners.id, practitionerId));
	if (!practitioner) throw new NotFound('No practitioner with that id.');
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const teamId = await careTeamOf(tx, patientId);
		if (role === 'primary') {
			await tx.update(careTeamMembers).set({ role: 'member', updatedAt: new Date() }).where(and(eq(careTeamMembers.careTeamId, teamId), eq(careTeamMembers.role, 'primary')));
		}
		await tx
			.insert(careTeamMembers)
			.values({ careTeamId: teamId, practitionerId, role })
			.onConflictDoUpdate({ target: [careTeamMembers.careTeamId, careTeamMembers.practitionerId], set: { role, updatedAt: new Date() } });
		await recordAuditEvent(tx, actor, {
			action: 'care_team.change',
			outcome: 'success',
			patientId,
			resourceType: 'practitioner',
			resourceId: practitionerId,
			reason: `set as ${role}`
		});
	});
	// The patient's message threads follow the care team (a newcomer joins from now on).
	await syncPatientThreadMembers(db, patientId);
}

export async function removeCareTeamMember(db: Database, actor: Actor, patientId: string, practitionerId: string): Promise<{ removed: boolean }> {
	await requireClinicManager(db, actor, 'care_team.change');
	await authorizePatient(db, actor, patientId, { action: 'patient.view', require: ['demographics'], resourceType: 'care_team' });
	const removed = await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const teams = await tx.select({ id: careTeams.id }).from(careTeams).where(eq(careTeams.patientId, patientId));
		if (teams.length === 0) return false;
		const deleted = await tx
			.delete(careTeamMembers)
			.where(and(inArray(careTeamMembers.careTeamId, teams.map((t) => t.id)), eq(careTeamMembers.practitionerId, practitionerId)))
			.returning({ practitionerId: careTeamMembers.practitionerId });
		if (deleted.length === 0) return false;
		await recordAuditEvent(tx, actor, {
			action: 'care_team.change',
			outcome: 'success',
			patientId,
			resourceType: 'practitioner',
			resourceId: practitionerId,
			reason: 'removed'
		});
		return true;
	});
	if (removed) {
		// The clinician leaves the patient's message threads (their key epochs rise).
		await syncPatientThreadMembers(db, patientId);
		// After the commit: the clinician's open chart connections must close now.
		const accounts = await db.select({ id: users.id }).from(users).where(eq(users.practitionerId, practitionerId));
		for (const account of accounts) emitAccessEvent({ kind: 'access-revoked', userId: account.id, patientId, cause: `care-team ${practitionerId}` });
	}
	return { removed };
}

/** The patient's care team (the oldest, when there are several); created on first use. */
async function careTeamOf(tx: Database, patientId: string): Promise<string> {
	const [team] = await tx.select({ id: careTeams.id }).from(careTeams).where(eq(careTeams.patientId, patientId)).orderBy(asc(careTeams.createdAt)).limit(1);
	if (team) return team.id;
	const [created] = await tx.insert(careTeams).values({ patientId, name: 'Care team' }).returning({ id: careTeams.id });
	return created!.id;
}
