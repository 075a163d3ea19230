import type { Sex } from '../schema/index';
import type { ConditionKey } from './clinical-catalog';
import type { ConditionPlan, HistoryWindow, MedicationPlan } from './clinical-profile';
import { Trend, adultBloodPressure } from './physiology';
import { clamp, type SeededRandom } from './random';

/**
 * A synthetic patient's body over the window: baselines (size, heart rate, kidney function,
 * lipids) and the trends their problems and treatments set in motion — blood pressure falling
 * after an antihypertensive, A1c after metformin, LDL after a statin.
 */

export interface Physiology {
	heightZ: number;
	weightZ: number;
	/** Adults only: body-mass index at the start of the window. */
	baselineBmi: number | null;
	weightSlopeKgPerYear: number;
	/** Children: this child's offset from the median blood pressure for age. */
	childBpOffset: { systolic: number; diastolic: number };
	/** Adults (18 and over): blood pressure over the window, reflecting diagnosis and treatment. */
	systolic: Trend | null;
	diastolic: Trend | null;
	heartRateOffset: number;
	a1c: Trend;
	ldl: Trend;
	hdl: number;
	triglycerides: number;
	egfrAtStart: number;
	egfrSlopePerYear: number;
}

export function buildPhysiology(
	random: SeededRandom,
	input: {
		age: number;
		sex: Sex;
		weightZ: number;
		baselineBmi: number | null;
		conditions: readonly ConditionPlan[];
		medications: readonly MedicationPlan[];
		window: HistoryWindow;
	}
): Physiology {
	const { age, sex, conditions, window } = input;
	const find = (key: ConditionKey) => conditions.find((c) => c.key === key);
	const diabetes = find('type2Diabetes');
	const hypertension = find('hypertension');
	const lipids = find('hyperlipidemia');
	const kidneys = find('chronicKidneyDisease');
	const metabolic = diabetes !== undefined || (input.baselineBmi ?? 0) >= 30;

	return {
		heightZ: clamp(random.normal(0, 1), -2.5, 2.5),
		weightZ: input.weightZ,
		baselineBmi: input.baselineBmi,
		weightSlopeKgPerYear: diabetes?.course === 'new' ? random.normal(-2, 0.8) : random.normal(0.3, 1.1),
		childBpOffset: { systolic: random.normal(0, 5), diastolic: random.normal(0, 4) },
		...(age >= 18 ? bloodPressureTrends(random, age, hypertension) : { systolic: null, diastolic: null }),
		heartRateOffset: random.normal(0, 6),
		a1c: a1cTrend(random, diabetes, find('prediabetes') !== undefined, metabolic, window),
		ldl: ldlTrend(random, lipids, input.medications.some((m) => m.key === 'atorvastatin'), age),
		hdl: clamp(random.normal(sex === 'male' ? 46 : 58, sex === 'male' ? 9 : 11) - (metabolic ? 6 : 0), 26, 95),
		triglycerides: clamp(random.normal(115, 35) + (metabolic ? 55 : 0), 45, 320),
		egfrAtStart: kidneys
			? clamp(random.normal(46, 7), 33, 58)
			: clamp(random.normal(118 - 0.85 * age, 9) - (diabetes ? 5 : 0), 62, 128),
		egfrSlopePerYear: kidneys ? -1.5 : -0.8
	};
}

function bloodPressureTrends(random: SeededRandom, age: number, hypertension: ConditionPlan | undefined) {
	const typical = adultBloodPressure(age);
	// Older adults have a wider pulse pressure: diastolic does not rise with systolic.
	const diastolicShift = age > 60 ? -(age - 60) * 0.2 : 0;
	const controlledSystolic = clamp(random.normal(128, 4), 118, 135);
	const controlledDiastolic = clamp(random.normal(80, 3), 72, 86) + diastolicShift;
	if (!hypertension) {
		return {
			systolic: new Trend(clamp(typical.systolic + random.normal(0, 6), 100, 134)),
			diastolic: new Trend(clamp(typical.diastolic + random.normal(0, 4), 60, 84))
		};
	}
	if (hypertension.course === 'established') {
		return { systolic: new Trend(controlledSystolic), diastolic: new Trend(controlledDiastolic) };
	}
	const treatedFrom = hypertension.course === 'new' ? hypertension.onsetDay : hypertension.stepUpDay!;
	const untreatedSystolic = hypertension.course === 'new' ? clamp(random.normal(152, 6), 142, 170) : clamp(random.normal(152, 5), 146, 164);
	const untreatedDiastolic = clamp(random.normal(hypertension.course === 'new' ? 94 : 90, 3), 86, 104) + diastolicShift;
	return {
		systolic: new Trend(untreatedSystolic, [{ day: treatedFrom, target: controlledSystolic, tauDays: 40 }]),
		diastolic: new Trend(untreatedDiastolic, [{ day: treatedFrom, target: controlledDiastolic, tauDays: 40 }])
	};
}

function a1cTrend(random: SeededRandom, diabetes: ConditionPlan | undefined, prediabetes: boolean, metabolic: boolean, window: HistoryWindow): Trend {
	if (!diabetes) {
		if (prediabetes) return new Trend(clamp(random.normal(6.0, 0.15), 5.7, 6.4));
		return new Trend(clamp(random.normal(metabolic ? 5.4 : 5.2, 0.2), 4.6, 5.6));
	}
	const controlled = clamp(random.normal(6.9, 0.2), 6.4, 7.3);
	switch (diabetes.course) {
		case 'new':
			return new Trend(clamp(random.normal(8.8, 0.5), 7.8, 10.4), [{ day: diabetes.onsetDay, target: controlled, tauDays: 75 }]);
		case 'uncontrolled':
			// Creeping up on 500 mg until the dose is raised, then back down.
			return new Trend(clamp(random.normal(7.3, 0.2), 6.9, 7.7), [
				{ day: window.start, target: clamp(random.normal(8.6, 0.3), 8.0, 9.4), tauDays: 220 },
				{ day: diabetes.stepUpDay!, target: controlled, tauDays: 80 }
			]);
		default:
			return new Trend(clamp(random.normal(6.9, 0.3), 6.2, 7.5));
	}
}

function ldlTrend(random: SeededRandom, lipids: ConditionPlan | undefined, onStatin: boolean, age: number): Trend {
	if (!lipids) return new Trend(clamp(random.normal(100 + 0.3 * Math.min(age, 60), 20), 55, 145));
	// Lifestyle changes only: LDL stays where it was found.
	if (!onStatin) return new Trend(clamp(random.normal(162, 12), 140, 200));
	if (lipids.course === 'new') {
		const untreated = clamp(random.normal(172, 14), 150, 215);
		// A moderate-intensity statin lowers LDL by 30–50% within about six weeks.
		return new Trend(untreated, [{ day: lipids.onsetDay + 1, target: untreated * clamp(random.normal(0.58, 0.05), 0.5, 0.7), tauDays: 18 }]);
	}
	return new Trend(clamp(random.normal(98, 12), 70, 130));
}
