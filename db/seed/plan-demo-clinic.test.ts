import { describe, expect, it } from 'vitest';
import { planDemoClinic } from './plan-demo-clinic';
import { namedPatients } from './named-patients';

const now = new Date('2026-03-15T15:00:00Z');
const plan = (patientCount: number, seed = 11) => planDemoClinic({ seed, now, patientCount, passwordHash: 'hash' });

describe('planDemoClinic', () => {
	it('is deterministic for a seed and a day, ids included', () => {
		expect(plan(40)).toEqual(plan(40));
	});

	it('keeps the named patients and their charts whatever the patient count', () => {
		const small = plan(3);
		const large = plan(120);
		expect(small.patients).toHaveLength(namedPatients.length);
		for (let i = 0; i < namedPatients.length; i++) {
			const id = small.patients[i]!.id;
			expect(large.patients[i]).toEqual(small.patients[i]);
			expect(large.encounters.filter((e) => e.patientId === id)).toEqual(small.encounters.filter((e) => e.patientId === id));
		}
	});

	it('leaves the named patients the only ones a search for their names can find', () => {
		for (let seed = 1; seed <= 25; seed++) {
			const names = plan(200, seed).patients.map((p) => `${p.givenName} ${p.familyName}`.toLowerCase());
			for (const named of namedPatients) {
				const [given, family] = [named.givenName.toLowerCase(), named.familyName.toLowerCase()];
				expect(names.filter((n) => n.startsWith(given) && n.endsWith(` ${family}`)), `seed ${seed}`).toEqual([`${given} ${family}`]);
			}
		}
	});

	it("shows Maria Garcia's A1c falling after metformin is started", () => {
		const p = plan(3);
		const maria = p.patients.find((x) => x.givenName === 'Maria' && x.familyName === 'Garcia')!;
		const a1c = p.observations
			.filter((o) => o.patientId === maria.id && o.loincCode === '4548-4')
			.sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime())
			.map((o) => o.value!);
		expect(a1c.length).toBeGreaterThanOrEqual(3);
		expect(a1c[0]).toBeGreaterThanOrEqual(7.8);
		expect(a1c[a1c.length - 1]).toBeLessThan(a1c[0]! - 1);
		const metformin = p.medications.find((m) => m.patientId === maria.id && m.rxnormCode === '861007');
		expect(metformin?.status).toBe('active');
	});

	it('lowers blood pressure after a new hypertensive starts treatment', () => {
		const p = plan(200, 5);
		const newHypertension = p.problems.filter((x) => x.icd10Code === 'I10' && x.onsetDate! > '2024-05-01');
		expect(newHypertension.length).toBeGreaterThan(0);
		for (const problem of newHypertension) {
			const systolic = p.observations
				.filter((o) => o.patientId === problem.patientId && o.loincCode === '8480-6')
				.sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
			const atDiagnosis = systolic.find((o) => o.effectiveAt.toISOString().slice(0, 10) >= problem.onsetDate!);
			const latest = systolic[systolic.length - 1];
			expect(atDiagnosis!.value!).toBeGreaterThan(latest!.value! + 5);
		}
	});
});
