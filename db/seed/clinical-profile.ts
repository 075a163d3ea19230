import type { Sex } from '../schema/index';
import {
	allergyCatalog,
	chronicPrevalence,
	type ConditionKey,
	type MedicationKey,
	type AllergyDefinition
} from './clinical-catalog';
import { nextWeekday, type EpochDay } from './clinic-calendar';
import type { ConditionCourse, ScriptedHistory } from './named-patients';
import { buildPhysiology, type Physiology } from './patient-physiology';
import { clamp, type SeededRandom } from './random';

/**
 * Who a synthetic patient is clinically: chronic problems with their course, allergies, the
 * long-term medications that follow from them, and the physiology (baselines and trends) that
 * later visits measure. Drawn once per patient so every visit tells the same story.
 */

export interface HistoryWindow {
	/** The clinic's today; past visits are before it, planned ones after. */
	today: EpochDay;
	/** First day of the two-year history. */
	start: EpochDay;
}

export interface ConditionPlan {
	key: ConditionKey;
	course: ConditionCourse;
	onsetDay: EpochDay;
	/** Uncontrolled course: the visit at which treatment was stepped up. */
	stepUpDay?: EpochDay;
}

export interface MedicationPlan {
	key: MedicationKey;
	startDay: EpochDay;
	endDay?: EpochDay;
	status: 'active' | 'stopped' | 'completed';
}

export interface AllergyPlan {
	substance: string;
	reaction: string;
	severity: 'mild' | 'moderate' | 'severe';
	excludes?: AllergyDefinition['excludes'];
}

export interface ClinicalProfile {
	sex: Sex;
	birthDay: EpochDay;
	/** Age in years on the window's today. */
	age: number;
	/** Under 20 today: measured against growth curves rather than an adult baseline. */
	growing: boolean;
	conditions: ConditionPlan[];
	allergies: AllergyPlan[];
	medications: MedicationPlan[];
	physiology: Physiology;
	/** Scripted patients: the acute problems of the window, instead of random ones. */
	scriptedAcuteProblems?: readonly ConditionKey[];
}

const yearDays = 365.2425;

/** Youngest age at which each problem is usually diagnosed; adult problems default to 18. */
const earliestOnsetAge: Partial<Record<ConditionKey, number>> = {
	asthma: 2,
	atopicDermatitis: 0.3,
	allergicRhinitis: 3,
	adhd: 5,
	anxiety: 11,
	depression: 12,
	obesity: 2
};

export function buildClinicalProfile(
	random: SeededRandom,
	patient: { birthDate: string; sex: Sex },
	window: HistoryWindow,
	scripted?: ScriptedHistory
): ClinicalProfile {
	const birthDay = Math.floor(Date.parse(`${patient.birthDate}T00:00:00Z`) / 86_400_000);
	const age = (window.today - birthDay) / yearDays;
	const growing = age < 20;
	const scriptedKeys = new Set(scripted?.conditions.map((c) => c.key));

	let weightZ = clamp(random.normal(0, 1), -2.5, 3);
	let baselineBmi: number | null = null;
	if (growing) {
		if (scripted) weightZ = scriptedKeys.has('obesity') ? 2 : Math.min(weightZ, 1.2);
	} else {
		const obese = scripted ? scriptedKeys.has('obesity') : random.chance(age >= 40 && age < 65 ? 0.4 : 0.3);
		baselineBmi = obese ? clamp(random.normal(33.5, 3), 30.3, 45) : clamp(random.normal(25.6, 2.6), 18.8, 29.7);
	}
	const obese = growing ? age >= 2 && weightZ > 1.65 : (baselineBmi ?? 0) >= 30;

	const context = { random, birthDay, age, window };
	const conditions = scripted
		? scripted.conditions.flatMap((c) => planCondition(context, c.key, c.course, c) ?? [])
		: drawConditions(context, patient.sex, obese);
	const allergies = scripted ? scriptedAllergies(scripted) : drawAllergies(random, age);
	const medications = planChronicMedications(random, conditions, age);

	return {
		sex: patient.sex,
		birthDay,
		age,
		growing,
		conditions,
		allergies,
		medications,
		physiology: buildPhysiology(random, { age, sex: patient.sex, weightZ, baselineBmi, conditions, medications, window }),
		scriptedAcuteProblems: scripted?.acuteProblems
	};
}

interface DrawContext {
	random: SeededRandom;
	birthDay: EpochDay;
	age: number;
	window: HistoryWindow;
}

function drawConditions(context: DrawContext, sex: Sex, obese: boolean): ConditionPlan[] {
	const { random, age } = context;
	const chosen = new Set<ConditionKey>();
	for (const rule of chronicPrevalence) {
		let probability = prevalenceAt(rule.steps, age);
		if (rule.femaleFactor) {
			const mean = (rule.femaleFactor + 1) / 2;
			probability *= sex === 'female' ? rule.femaleFactor / mean : 1 / mean;
		}
		probability *= riskMultiplier(rule.condition, chosen, obese);
		if (rule.condition === 'prediabetes' && chosen.has('type2Diabetes')) continue;
		if (random.chance(probability)) chosen.add(rule.condition);
	}
	// Obesity is under-coded in real problem lists; most, not all, obese patients carry E66.9.
	if (obese && random.chance(age < 20 ? 0.6 : 0.75)) chosen.add('obesity');

	const plans: ConditionPlan[] = [];
	for (const key of chosen) {
		const controllable = key === 'hypertension' || key === 'type2Diabetes';
		const course: ConditionCourse = random.chance(0.15) ? 'new' : controllable && random.chance(0.25) ? 'uncontrolled' : 'established';
		const plan = planCondition(context, key, course, {});
		if (plan) plans.push(plan);
	}
	return plans;
}

function prevalenceAt(steps: readonly (readonly [number, number])[], age: number): number {
	let probability = 0;
	for (const [fromAge, p] of steps) if (age >= fromAge) probability = p;
	return probability;
}

/** Problems travel together: obesity, diabetes and hypertension raise the odds of others. */
const riskWithObesity: Partial<Record<ConditionKey, number>> = {
	type2Diabetes: 2,
	prediabetes: 1.5,
	hypertension: 1.4,
	sleepApnea: 3,
	gerd: 1.3,
	kneeOsteoarthritisRight: 1.5,
	kneeOsteoarthritisLeft: 1.5
};
const riskWithDiabetes: Partial<Record<ConditionKey, number>> = { hyperlipidemia: 1.6, hypertension: 1.4, chronicKidneyDisease: 1.8 };
const riskWithHypertension: Partial<Record<ConditionKey, number>> = { chronicKidneyDisease: 1.5 };

function riskMultiplier(condition: ConditionKey, chosen: ReadonlySet<ConditionKey>, obese: boolean): number {
	return (
		(obese ? (riskWithObesity[condition] ?? 1) : 1) *
		(chosen.has('type2Diabetes') ? (riskWithDiabetes[condition] ?? 1) : 1) *
		(chosen.has('hypertension') ? (riskWithHypertension[condition] ?? 1) : 1)
	);
}

function planCondition(
	{ random, birthDay, window }: DrawContext,
	key: ConditionKey,
	requested: ConditionCourse,
	timing: { onsetDaysAgo?: number; stepUpDaysAgo?: number }
): ConditionPlan | null {
	const earliestDay = birthDay + Math.ceil((earliestOnsetAge[key] ?? 18) * yearDays);
	const latestEstablished = window.start - 30;
	// Too young to have had it for years: it was diagnosed inside the window instead.
	const course: ConditionCourse = requested !== 'new' && earliestDay > latestEstablished ? 'new' : requested;
	if (course === 'new') {
		const from = Math.max(window.start + 30, earliestDay);
		const to = window.today - 45;
		if (timing.onsetDaysAgo === undefined && from > to) return null;
		const onsetDay = nextWeekday(timing.onsetDaysAgo !== undefined ? window.today - timing.onsetDaysAgo : random.int(from, to));
		return { key, course, onsetDay };
	}
	const onsetDay = random.int(Math.max(earliestDay, window.today - Math.round(15 * yearDays)), latestEstablished);
	if (course === 'established') return { key, course, onsetDay };
	const stepUpDay = nextWeekday(
		timing.stepUpDaysAgo !== undefined ? window.today - timing.stepUpDaysAgo : random.int(window.start + 120, window.today - 75)
	);
	return { key, course, onsetDay, stepUpDay };
}

function scriptedAllergies(scripted: ScriptedHistory): AllergyPlan[] {
	return scripted.allergies.map((allergy) => ({
		...allergy,
		excludes: allergyCatalog.find((a) => a.substance === allergy.substance)?.excludes
	}));
}

function drawAllergies(random: SeededRandom, age: number): AllergyPlan[] {
	const allergies: AllergyPlan[] = [];
	for (const definition of allergyCatalog) {
		if (allergies.length >= 3) break;
		if (!random.chance(age < 18 ? definition.childPrevalence : definition.adultPrevalence)) continue;
		const [mild, moderate, severe] = definition.severityWeights;
		const severity = random.weighted([
			['mild', mild],
			['moderate', moderate],
			['severe', severe]
		] as const);
		// A severe reaction is the anaphylactic one where the substance can cause it.
		const reactions = definition.reactions.filter((r) => (severity === 'severe') === (r === 'Anaphylaxis'));
		allergies.push({
			substance: definition.substance,
			reaction: random.pick(reactions.length > 0 ? reactions : definition.reactions),
			severity,
			excludes: definition.excludes
		});
	}
	return allergies;
}

/** Long-term treatment that follows from each problem, as a primary-care physician would start it. */
function planChronicMedications(random: SeededRandom, conditions: readonly ConditionPlan[], age: number): MedicationPlan[] {
	const has = (key: ConditionKey) => conditions.some((c) => c.key === key);
	const medications: MedicationPlan[] = [];
	let onSsri = false;
	for (const condition of conditions) {
		const start = condition.course === 'new' ? condition.onsetDay : condition.onsetDay + random.int(0, 60);
		const add = (key: MedicationKey, startDay = start, extra: Partial<MedicationPlan> = {}) =>
			medications.push({ key, startDay, status: 'active', ...extra });
		switch (condition.key) {
			case 'type2Diabetes':
				if (condition.stepUpDay !== undefined) {
					add('metformin', start, { status: 'stopped', endDay: condition.stepUpDay });
					add('metforminHighDose', condition.stepUpDay);
				} else add('metformin');
				break;
			case 'hypertension': {
				// ACE inhibitors protect the kidneys, so diabetes or kidney disease decides the first drug.
				const first: MedicationKey =
					has('chronicKidneyDisease') || has('type2Diabetes')
						? 'lisinopril'
						: random.weighted<MedicationKey>([['lisinopril', 70], ['hydrochlorothiazide', 15], ['amlodipine', 15]]);
				add(first);
				if (condition.stepUpDay !== undefined) add(first === 'amlodipine' ? 'lisinopril' : 'amlodipine', condition.stepUpDay);
				break;
			}
			case 'hyperlipidemia':
				if (random.chance(0.9)) add('atorvastatin');
				break;
			case 'asthma':
				add('albuterol');
				if (random.chance(0.4)) add('fluticasone');
				break;
			case 'anxiety':
			case 'depression':
				if (!onSsri && random.chance(0.82)) {
					add(random.chance(0.65) ? 'sertraline' : 'escitalopram');
					onSsri = true;
				}
				break;
			case 'gerd':
				if (random.chance(0.8)) add('omeprazole');
				break;
			case 'atrialFibrillation':
				add(random.chance(0.8) ? 'apixaban' : 'warfarin');
				if (random.chance(0.7)) add('metoprolol');
				break;
			case 'hypothyroidism':
				add('levothyroxine');
				break;
			case 'osteoporosis':
				if (random.chance(0.75)) add('alendronate');
				break;
			case 'kneeOsteoarthritisRight':
			case 'kneeOsteoarthritisLeft':
				if (!medications.some((m) => m.key === 'acetaminophen') && random.chance(0.7)) add('acetaminophen');
				break;
			case 'allergicRhinitis':
				if (random.chance(0.7)) add('cetirizine');
				break;
			case 'atopicDermatitis':
				if (random.chance(0.8)) add('hydrocortisoneCream');
				break;
			case 'adhd':
				if (age >= 6 && random.chance(0.75)) add('methylphenidate');
				break;
			default:
				break;
		}
	}
	return medications;
}
