import type { ConditionKey } from './clinical-catalog';
import type { EpochDay } from './clinic-calendar';
import type { ClinicalProfile } from './clinical-profile';
import type { PlannedEncounter } from './encounter-history';
import type { SeededRandom } from './random';

/**
 * Which lab panels a primary-care clinician draws at each adult in-person visit, given the
 * patient's problems and when each panel was last done (children's labs are not modelled).
 */

export type LabPanel = 'a1c' | 'lipids' | 'renal';

interface VisitContext {
	encounter: PlannedEncounter;
	age: number;
	/** Days since the panel was last drawn. */
	since: (panel: LabPanel) => number;
	/** The problem, if the patient has it by the visit. */
	has: (key: ConditionKey) => boolean;
	/** The visit is about the problem: an annual exam reviews everything. */
	about: (...keys: ConditionKey[]) => boolean;
}

export function orderLabs(random: SeededRandom, profile: ClinicalProfile, encounters: readonly PlannedEncounter[]): Map<PlannedEncounter, LabPanel[]> {
	const orders = new Map<PlannedEncounter, LabPanel[]>();
	const last: Record<LabPanel, EpochDay> = { a1c: -Infinity, lipids: -Infinity, renal: -Infinity };
	const obese = (profile.physiology.baselineBmi ?? 0) >= 30 || profile.conditions.some((c) => c.key === 'obesity');
	for (const encounter of encounters) {
		if (encounter.status !== 'finished' || encounter.kind === 'telehealth') continue;
		const day = encounter.day;
		const visit: VisitContext = {
			encounter,
			age: (day - profile.birthDay) / 365.2425,
			since: (panel) => day - last[panel],
			has: (key) => profile.conditions.some((c) => c.key === key && c.onsetDay <= day),
			about: (...keys) => encounter.kind === 'annual_exam' || keys.some((key) => encounter.reviews.includes(key))
		};
		if (visit.age < 18) continue;
		const panels: LabPanel[] = [];
		if (a1cDue(random, visit, obese)) panels.push('a1c');
		if (lipidsDue(random, visit, profile)) panels.push('lipids');
		if (renalDue(random, visit, profile)) panels.push('renal');
		for (const panel of panels) last[panel] = day;
		if (panels.length > 0) orders.set(encounter, panels);
	}
	return orders;
}

const annualScreening = (random: SeededRandom, visit: VisitContext, panel: LabPanel, odds: number) =>
	visit.encounter.kind === 'annual_exam' && visit.since(panel) >= 300 && random.chance(odds);

/** Every three months in diabetes (ADA), twice a year in prediabetes, screening from 35 or with obesity (USPSTF). */
function a1cDue(random: SeededRandom, visit: VisitContext, obese: boolean): boolean {
	if (visit.has('type2Diabetes')) return visit.about('type2Diabetes') && visit.since('a1c') >= 75;
	if (visit.has('prediabetes')) return visit.about('prediabetes') && visit.since('a1c') >= 150;
	return (visit.age >= 35 || obese) && annualScreening(random, visit, 'a1c', 0.5);
}

/** At diagnosis and 4–12 weeks after a statin is started, then yearly with hyperlipidemia or diabetes. */
function lipidsDue(random: SeededRandom, visit: VisitContext, profile: ClinicalProfile): boolean {
	const day = visit.encounter.day;
	const lipids = profile.conditions.find((c) => c.key === 'hyperlipidemia' && c.course === 'new');
	if (lipids && day - lipids.onsetDay >= 0 && day - lipids.onsetDay <= 120 && (day === lipids.onsetDay || visit.since('lipids') >= 35)) return true;
	if ((visit.has('hyperlipidemia') || visit.has('type2Diabetes')) && visit.about('hyperlipidemia', 'type2Diabetes')) return visit.since('lipids') >= 300;
	return visit.age >= 35 && annualScreening(random, visit, 'lipids', 0.55);
}

/** Kidney function every four months in CKD, 1–8 weeks after an ACE inhibitor is started, yearly with hypertension or diabetes. */
function renalDue(random: SeededRandom, visit: VisitContext, profile: ClinicalProfile): boolean {
	const day = visit.encounter.day;
	if (visit.has('chronicKidneyDisease') && visit.about('chronicKidneyDisease') && visit.since('renal') >= 80) return true;
	if (profile.medications.some((m) => m.key === 'lisinopril' && day - m.startDay >= 10 && day - m.startDay <= 60) && visit.since('renal') >= 30) return true;
	if ((visit.has('hypertension') || visit.has('type2Diabetes')) && visit.about('hypertension', 'type2Diabetes') && visit.since('renal') >= 300) return true;
	return visit.age >= 40 && annualScreening(random, visit, 'renal', 0.5);
}
