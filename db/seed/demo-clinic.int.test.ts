import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../testing';
import {
	careTeamMembers,
	careTeams,
	clinics,
	encounters,
	observations,
	patients,
	practitioners,
	problems,
	proxyGrants,
	roles,
	users
} from '../schema/index';
import { ClinicAlreadyExistsError, demoAccounts, loadDemoClinic, type DemoClinicSummary } from './demo-clinic';
import { addYears } from './clinic-calendar';

const cheapHash = async (password: string) => `hash:${password}`;
const twoYearsMs = 2 * 365 * 86_400_000;

describe.each(testDatabaseKinds)('loadDemoClinic on %s', (kind) => {
	let database: TestDatabase;
	let summary: DemoClinicSummary;
	const now = new Date();

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		summary = await loadDemoClinic(database.db, { hashPassword: cheapHash, patientCount: 30, seed: 7, now });
	});
	afterAll(async () => {
		await database?.drop();
	});

	const practitionerEmailOf = async (patientName: { given: string; family: string }) => {
		const rows = await database.db
			.select({ email: users.email })
			.from(patients)
			.innerJoin(careTeams, eq(careTeams.patientId, patients.id))
			.innerJoin(careTeamMembers, and(eq(careTeamMembers.careTeamId, careTeams.id), eq(careTeamMembers.role, 'primary')))
			.innerJoin(users, eq(users.practitionerId, careTeamMembers.practitionerId))
			.where(and(eq(patients.givenName, patientName.given), eq(patients.familyName, patientName.family)));
		return rows.map((r) => r.email);
	};

	const grantOf = async (patient: { given: string; family: string }, proxyEmail: string) => {
		const [row] = await database.db
			.select({ grant: proxyGrants, birthDate: patients.birthDate })
			.from(proxyGrants)
			.innerJoin(patients, eq(patients.id, proxyGrants.patientId))
			.innerJoin(users, eq(users.id, proxyGrants.proxyUserId))
			.where(and(eq(patients.givenName, patient.given), eq(patients.familyName, patient.family), eq(users.email, proxyEmail)));
		return row;
	};

	it('creates the documented account of every role, all sharing one password hash', async () => {
		const rows = await database.db.select().from(users);
		for (const account of demoAccounts) {
			const user = rows.find((u) => u.email === account.email);
			expect(user, account.email).toBeDefined();
			expect(user?.role).toBe(account.role);
		}
		// 'external' accounts exist only once a patient shares their record with an outside person.
		expect(new Set(rows.map((u) => u.role))).toEqual(new Set(roles.filter((role) => role !== 'external')));
		expect(new Set(rows.map((u) => u.passwordHash))).toEqual(new Set(['hash:demo-password-2026']));
		for (const clinician of rows.filter((u) => u.role === 'physician' || u.role === 'nurse')) {
			expect(clinician.practitionerId, clinician.email).not.toBeNull();
		}
		expect(await database.db.select().from(practitioners)).toHaveLength(summary.practitioners);
	});

	it("links Maria Garcia's portal account to her record, in Dr. Chen's care", async () => {
		const [maria] = await database.db
			.select({ language: patients.preferredLanguage })
			.from(users)
			.innerJoin(patients, eq(patients.id, users.patientId))
			.where(eq(users.email, 'maria.garcia@example.com'));
		expect(maria?.language).toBe('es');
		expect(await practitionerEmailOf({ given: 'Maria', family: 'Garcia' })).toEqual(['dr.chen@riverside.example']);
	});

	it("gives Mia Johnson's parent an active grant of every scope until Mia turns 18", async () => {
		const row = await grantOf({ given: 'Mia', family: 'Johnson' }, 'sarah.johnson@example.com');
		expect(row?.grant.relationship).toBe('parent');
		expect(row?.grant.revokedAt).toBeNull();
		expect(row?.grant.expiresAt?.getTime()).toBeGreaterThan(now.getTime());
		expect([...(row?.grant.scopes ?? [])].sort()).toEqual(['appointments', 'billing', 'messages', 'records']);
		// Midnight in New York on the 18th birthday: 04:00 or 05:00 UTC that day.
		expect(row?.grant.expiresAt?.toISOString().slice(0, 10)).toBe(addYears(row!.birthDate, 18));
		expect(await practitionerEmailOf({ given: 'Mia', family: 'Johnson' })).toEqual(['dr.okafor@riverside.example']);
	});

	it("gives Walter Brooks's caregiver an active grant without billing, for a year", async () => {
		const row = await grantOf({ given: 'Walter', family: 'Brooks' }, 'linda.brooks@example.com');
		expect(row?.grant.relationship).toBe('caregiver');
		expect([...(row?.grant.scopes ?? [])].sort()).toEqual(['appointments', 'messages', 'records']);
		const yearFromNow = now.getTime() + 365 * 86_400_000;
		expect(Math.abs((row?.grant.expiresAt?.getTime() ?? 0) - yearFromNow)).toBeLessThan(2 * 86_400_000);
		expect(await practitionerEmailOf({ given: 'Walter', family: 'Brooks' })).toEqual(['dr.alvarez@riverside.example']);
	});

	it('puts every patient on a care team led by a physician, with a nurse', async () => {
		const rows = await database.db
			.select({ patientId: careTeams.patientId, kind: practitioners.kind, role: careTeamMembers.role })
			.from(careTeams)
			.innerJoin(careTeamMembers, eq(careTeamMembers.careTeamId, careTeams.id))
			.innerJoin(practitioners, eq(practitioners.id, careTeamMembers.practitionerId));
		const all = await database.db.select({ id: patients.id }).from(patients);
		expect(all).toHaveLength(30);
		for (const { id } of all) {
			const team = rows.filter((r) => r.patientId === id);
			expect(team.some((m) => m.role === 'primary' && m.kind === 'physician'), id).toBe(true);
			expect(team.some((m) => m.kind === 'nurse'), id).toBe(true);
		}
	});

	it('codes problems in ICD-10-CM and observations in LOINC with UCUM units', async () => {
		const problemRows = await database.db.select({ code: problems.icd10Code }).from(problems);
		expect(problemRows.length).toBeGreaterThan(0);
		for (const { code } of problemRows) expect(code).toMatch(/^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$/);
		const observationRows = await database.db.select().from(observations);
		expect(observationRows).toHaveLength(summary.observations);
		for (const o of observationRows) {
			expect(o.loincCode).toMatch(/^\d{1,5}-\d$/);
			expect(o.unit).not.toBe('');
			expect(o.value).not.toBeNull();
		}
		expect(new Set(observationRows.map((o) => o.category))).toEqual(new Set(['vital-signs', 'laboratory']));
	});

	it('records plausible vital signs', async () => {
		const plausible: Record<string, [number, number]> = {
			'8480-6': [75, 200],
			'8462-4': [35, 120],
			'8867-4': [40, 200],
			'8310-5': [35.5, 40.5],
			'2708-6': [88, 100],
			'29463-7': [2, 250],
			'8302-2': [45, 210],
			'39156-5': [10, 60]
		};
		const rows = await database.db.select({ code: observations.loincCode, value: observations.value }).from(observations).where(eq(observations.category, 'vital-signs'));
		for (const { code, value } of rows) {
			const range = plausible[code];
			expect(range, code).toBeDefined();
			expect(value!, code).toBeGreaterThanOrEqual(range![0]);
			expect(value!, code).toBeLessThanOrEqual(range![1]);
		}
	});

	it('keeps finished encounters within the last two years and planned ones ahead', async () => {
		const rows = await database.db.select().from(encounters);
		expect(rows).toHaveLength(summary.encounters);
		for (const e of rows.filter((r) => r.status === 'finished')) {
			expect(e.startAt.getTime()).toBeGreaterThanOrEqual(now.getTime() - twoYearsMs);
			expect(e.startAt.getTime()).toBeLessThan(now.getTime());
		}
		const planned = rows.filter((r) => r.status === 'planned');
		expect(planned.length).toBeGreaterThan(0);
		for (const e of planned) expect(e.startAt.getTime()).toBeGreaterThan(now.getTime());
	});

	it('refuses to load into a database that already has a clinic, changing nothing', async () => {
		await expect(loadDemoClinic(database.db, { hashPassword: cheapHash, patientCount: 5 })).rejects.toThrow(ClinicAlreadyExistsError);
		const [counts] = await database.db
			.select({ clinics: sql<number>`(select count(*) from ${clinics})::int`, patients: sql<number>`(select count(*) from ${patients})::int` })
			.from(sql`(select 1) as one`);
		expect(counts).toEqual({ clinics: 1, patients: 30 });
	});
});
