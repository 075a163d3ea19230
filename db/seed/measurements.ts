import type { Sex } from '../schema/index';
import { creatinineReference, labCatalog, vitalSignCatalog, type ObservationDefinition } from './clinical-catalog';
import type { EpochDay } from './clinic-calendar';
import type { ClinicalProfile } from './clinical-profile';
import type { PlannedEncounter } from './encounter-history';
import type { LabPanel } from './lab-orders';
import {
	childBloodPressure,
	ckdEpi2021,
	creatinineForEgfr,
	estimatedAverageGlucose,
	medianHeightCm,
	medianWeightKg,
	typicalHeartRate
} from './physiology';
import { clamp, round, type SeededRandom } from './random';

/**
 * The numbers taken at a visit: vital signs at every in-person visit, and the results of the
 * lab panels ordered (lab-orders.ts). Values come from the patient's physiology plus
 * measurement noise, so they trend the way the patient's problems and treatment say.
 */

export interface Measurement {
	definition: ObservationDefinition;
	value: number;
	referenceLow: number | null;
	referenceHigh: number | null;
	/** Minutes after the visit starts: vitals at rooming, blood drawn before leaving. */
	minutesIntoVisit: number;
}

const yearDays = 365.2425;
const respiratory = new Set(['upperRespiratoryInfection', 'sinusitis', 'pharyngitis']);

export function measureVitals(
	random: SeededRandom,
	profile: ClinicalProfile,
	encounter: PlannedEncounter,
	options: { measureHeight: boolean; windowStart: EpochDay }
): Measurement[] {
	const { physiology: body, sex } = profile;
	const age = (encounter.day - profile.birthDay) / yearDays;
	const febrile = encounter.acute?.febrile ?? false;
	const heightRatio = 1 + 0.042 * body.heightZ;
	const heightCm = profile.growing
		? medianHeightCm(sex, age) * heightRatio + random.normal(0, 0.2)
		: medianHeightCm(sex, 20) * (1 + 0.04 * body.heightZ) - Math.max(0, age - 65) * 0.15;
	// A child's weight follows height (same BMI for a taller child) and a skewed spread: the
	// heaviest children are much further above the median than the lightest are below it.
	const weightKg = profile.growing
		? medianWeightKg(sex, age) * heightRatio ** 2 * Math.exp((body.weightZ > 0 ? 0.17 : 0.09) * body.weightZ) * (1 + random.normal(0, 0.012))
		: (body.baselineBmi ?? 25) * (heightCm / 100) ** 2 + (body.weightSlopeKgPerYear * (encounter.day - options.windowStart)) / yearDays + random.normal(0, 0.4);

	const values: Measurement[] = [];
	const vital = (definition: ObservationDefinition, value: number) =>
		values.push({ definition, value: round(value, definition.digits), referenceLow: null, referenceHigh: null, minutesIntoVisit: 5 });

	// Blood pressure is part of routine vitals from age 3 (AAP 2017).
	if (age >= 3) {
		const bp = bloodPressure(random, profile, encounter.day, age);
		vital(vitalSignCatalog.systolic, bp.systolic);
		vital(vitalSignCatalog.diastolic, bp.diastolic);
	}
	const afib = profile.conditions.some((c) => c.key === 'atrialFibrillation' && c.onsetDay <= encounter.day);
	const rateControlled = profile.medications.some((m) => m.key === 'metoprolol' && m.startDay <= encounter.day);
	const heartRate =
		typicalHeartRate(age) + body.heartRateOffset + (febrile ? 12 : 0) + (afib ? random.normal(rateControlled ? 4 : 14, 9) : random.normal(0, 5));
	vital(vitalSignCatalog.heartRate, clamp(heartRate, 44, 190));
	const temperature = febrile ? random.between(37.9, age < 12 ? 39.6 : 39.1) : clamp(random.normal(36.8, 0.2), 36.1, 37.4);
	vital(vitalSignCatalog.temperature, temperature);
	const asthmatic = profile.conditions.some((c) => c.key === 'asthma');
	const saturation =
		(age >= 80 ? clamp(random.normal(96.2, 1.1), 92, 99) : clamp(random.normal(98, 0.8), 95, 100)) -
		(encounter.acute && respiratory.has(encounter.acute.key) ? (asthmatic ? 2 : 1) : 0);
	vital(vitalSignCatalog.oxygenSaturation, Math.min(100, saturation));
	vital(vitalSignCatalog.weight, weightKg);
	if (profile.growing || options.measureHeight) vital(vitalSignCatalog.height, heightCm);
	// BMI is not used under 2 years (weight-for-length instead).
	if (age >= 2) vital(vitalSignCatalog.bmi, round(weightKg, 1) / (round(heightCm, 1) / 100) ** 2);
	return values;
}

function bloodPressure(random: SeededRandom, profile: ClinicalProfile, day: EpochDay, age: number) {
	const body = profile.physiology;
	let systolic: number;
	let diastolic: number;
	if (body.systolic && body.diastolic) {
		// The chart records the average of two readings, so visit-to-visit noise is modest.
		systolic = body.systolic.valueOn(day) + random.normal(0, 4);
		diastolic = body.diastolic.valueOn(day) + random.normal(0, 3);
	} else {
		const typical = childBloodPressure(Math.min(age, 17));
		systolic = typical.systolic + body.childBpOffset.systolic + random.normal(0, 5);
		diastolic = typical.diastolic + body.childBpOffset.diastolic + random.normal(0, 4);
	}
	// A pulse pressure under 25 mmHg is not something a cuff reports in these patients.
	return { systolic, diastolic: Math.min(diastolic, systolic - 25) };
}

export function measureLabs(random: SeededRandom, profile: ClinicalProfile, day: EpochDay, panels: readonly LabPanel[], windowStart: EpochDay): Measurement[] {
	const body = profile.physiology;
	const age = (day - profile.birthDay) / yearDays;
	const results: Measurement[] = [];
	const lab = (definition: ObservationDefinition, value: number, reference: { referenceLow?: number; referenceHigh?: number } = definition) =>
		results.push({
			definition,
			value: round(value, definition.digits),
			referenceLow: reference.referenceLow ?? null,
			referenceHigh: reference.referenceHigh ?? null,
			minutesIntoVisit: 15
		});
	const a1c = body.a1c.valueOn(day);
	const diabetic = profile.conditions.some((c) => c.key === 'type2Diabetes' && c.onsetDay <= day);
	const prediabetic = profile.conditions.some((c) => c.key === 'prediabetes');

	if (panels.includes('a1c')) lab(labCatalog.hemoglobinA1c, clamp(a1c + random.normal(0, 0.12), 4.2, 14));
	if (panels.includes('renal')) {
		const glucose = diabetic
			? estimatedAverageGlucose(a1c) * 0.85 + random.normal(0, 12)
			: prediabetic
				? clamp(random.normal(108, 6), 100, 125)
				: clamp(random.normal(89, 7), 68, 104);
		lab(labCatalog.glucose, glucose);
		// The laboratory measures creatinine and reports eGFR computed from it, so both agree.
		const egfr = Math.max(31, body.egfrAtStart + (body.egfrSlopePerYear * (day - windowStart)) / yearDays + random.normal(0, 3));
		const creatinine = round(creatinineForEgfr(egfr, age, profile.sex), 2);
		lab(labCatalog.creatinine, creatinine, creatinineRange(profile.sex));
		lab(labCatalog.egfr, ckdEpi2021(creatinine, age, profile.sex));
	}
	if (panels.includes('lipids')) {
		const ldl = Math.round(body.ldl.valueOn(day) + random.normal(0, 7));
		const hdl = Math.round(body.hdl + random.normal(0, 3));
		const triglycerides = Math.round(body.triglycerides * Math.exp(random.normal(0, 0.12)));
		// Friedewald: the reported LDL is total − HDL − TG/5, so total is built the other way round.
		lab(labCatalog.cholesterolTotal, ldl + hdl + triglycerides / 5);
		lab(labCatalog.ldlCalculated, ldl);
		lab(labCatalog.hdl, hdl);
		lab(labCatalog.triglycerides, triglycerides);
	}
	return results;
}

function creatinineRange(sex: Sex): { referenceLow: number; referenceHigh: number } {
	if (sex === 'female' || sex === 'male') return creatinineReference[sex];
	return { referenceLow: creatinineReference.female.referenceLow, referenceHigh: creatinineReference.male.referenceHigh };
}
