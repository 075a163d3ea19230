/**
 * A small clinic for the access, sharing and audit tests: one patient with a care team, a
 * second patient, clinicians on and off the team, a patient account, proxies with and without
 * the records scope and an outside person. Test-only; nothing in the app imports it.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, clinics, patients, practitioners, proxyGrants, users, type Role } from '../../../../db/schema/index';
import type { Actor } from './actor';

export interface TestClinic {
	patientId: string;
	otherPatientId: string;
	mrn: string;
	actors: {
		teamPhysician: Actor;
		outsidePhysician: Actor;
		outsideNurse: Actor;
		frontDesk: Actor;
		admin: Actor;
		patient: Actor;
		recordsProxy: Actor;
		appointmentsProxy: Actor;
		external: Actor;
	};
}

function actorOf(user: { id: string; role: Role; displayName: string; practitionerId: string | null; patientId: string | null }): Actor {
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

export async function createTestClinic(db: Database, passwordHash = 'not-a-real-hash'): Promise<TestClinic> {
	await db.insert(clinics).values({ name: 'Access Test Clinic', timeZone: 'America/New_York' });
	const [team, outside, nurse] = await db
		.insert(practitioners)
		.values([
			{ kind: 'physician', givenName: 'Ana', familyName: 'Ruiz', credentials: 'MD', specialty: 'Family medicine' },
			{ kind: 'physician', givenName: 'Ben', familyName: 'Okafor', credentials: 'DO', specialty: 'Pediatrics' },
			{ kind: 'nurse', givenName: 'Cara', familyName: 'Patel', credentials: 'RN' }
		])
		.returning();
	const mrn = '20000001';
	const [patient, otherPatient] = await db
		.insert(patients)
		.values([
			{ mrn, givenName: 'Maria', familyName: 'Lopez', birthDate: '1980-02-03', sex: 'female' },
			{ mrn: '20000002', givenName: 'Tom', familyName: 'Baker', birthDate: '2015-06-30', sex: 'male' }
		])
		.returning();
	const [careTeam] = await db.insert(careTeams).values({ patientId: patient!.id, name: 'Primary care' }).returning();
	await db.insert(careTeamMembers).values({ careTeamId: careTeam!.id, practitionerId: team!.id, role: 'primary' });

	const account = (email: string, role: Role, displayName: string, extra: { practitionerId?: string; patientId?: string } = {}) => ({
		email,
		role,
		displayName,
		passwordHash,
		practitionerId: extra.practitionerId ?? null,
		patientId: extra.patientId ?? null
	});
	const rows = await db
		.insert(users)
		.values([
			account('ruiz@clinic.example', 'physician', 'Dr. Ana Ruiz', { practitionerId: team!.id }),
			account('okafor@clinic.example', 'physician', 'Dr. Ben Okafor', { practitionerId: outside!.id }),
			account('patel@clinic.example', 'nurse', 'Cara Patel', { practitionerId: nurse!.id }),
			account('desk@clinic.example', 'front_desk', 'Front Desk'),
			account('admin@clinic.example', 'clinic_admin', 'Clinic Admin'),
			account('maria@example.org', 'patient', 'Maria Lopez', { patientId: patient!.id }),
			account('carer@example.org', 'proxy', 'Luis Lopez'),
			account('helper@example.org', 'proxy', 'Helper Friend'),
			account('specialist@elsewhere.example', 'external', 'Dr. Outside Specialist')
		])
		.returning();
	const byEmail = (email: string) => actorOf(rows.find((r) => r.email === email)!);
	const actors = {
		teamPhysician: byEmail('ruiz@clinic.example'),
		outsidePhysician: byEmail('okafor@clinic.example'),
		outsideNurse: byEmail('patel@clinic.example'),
		frontDesk: byEmail('desk@clinic.example'),
		admin: byEmail('admin@clinic.example'),
		patient: byEmail('maria@example.org'),
		recordsProxy: byEmail('carer@example.org'),
		appointmentsProxy: byEmail('helper@example.org'),
		external: byEmail('specialist@elsewhere.example')
	};
	await db.insert(proxyGrants).values([
		{ patientId: patient!.id, proxyUserId: actors.recordsProxy.userId, relationship: 'caregiver', scopes: ['records', 'messages'] },
		{ patientId: patient!.id, proxyUserId: actors.appointmentsProxy.userId, relationship: 'caregiver', scopes: ['appointments'] }
	]);
	return { patientId: patient!.id, otherPatientId: otherPatient!.id, mrn, actors };
}

/** "YYYY-MM-DD" `days` from today in New York (the test clinic's zone). */
export function clinicDatePlus(days: number): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	const date = new Date(`${today}T12:00:00Z`);
	date.setUTCDate(date.getUTCDate() + days);
	return date.toISOString().slice(0, 10);
}
