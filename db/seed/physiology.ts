import type { Sex } from '../schema/index';
import type { EpochDay } from './clinic-calendar';

/**
 * What bodies measure at a given age, for synthetic vitals and labs that a clinician would
 * find plausible: CDC growth-chart medians, resting heart rate and blood pressure by age,
 * the CKD-EPI 2021 creatinine equation, and the ADAG relation of A1c to average glucose.
 */

type Curve = readonly (readonly [ageYears: number, value: number])[];

// CDC growth charts, 50th percentile (length below 2 years), to the nearest tenth.
const heightCurves: Record<'female' | 'male', Curve> = {
	male: [[0, 49.9], [0.25, 61.4], [0.5, 67.6], [0.75, 72.0], [1, 75.7], [1.5, 82.3], [2, 87.1], [3, 95.3], [4, 102.5], [5, 109.2], [6, 115.5], [7, 121.9], [8, 128.0], [9, 133.3], [10, 138.4], [11, 143.5], [12, 149.1], [13, 156.2], [14, 163.8], [15, 170.1], [16, 173.4], [17, 175.2], [18, 176.1], [20, 176.8]],
	female: [[0, 49.1], [0.25, 59.8], [0.5, 65.7], [0.75, 70.1], [1, 74.0], [1.5, 80.7], [2, 85.7], [3, 94.1], [4, 101.0], [5, 108.0], [6, 115.0], [7, 121.0], [8, 127.0], [9, 132.5], [10, 138.0], [11, 144.0], [12, 151.0], [13, 156.5], [14, 159.6], [15, 161.7], [16, 162.5], [17, 163.0], [18, 163.3], [20, 163.7]]
};

const weightCurves: Record<'female' | 'male', Curve> = {
	male: [[0, 3.3], [0.25, 6.4], [0.5, 7.9], [0.75, 8.9], [1, 9.6], [1.5, 10.9], [2, 12.2], [3, 14.3], [4, 16.3], [5, 18.4], [6, 20.7], [7, 23.1], [8, 25.6], [9, 28.6], [10, 32.0], [11, 35.6], [12, 40.0], [13, 45.3], [14, 50.8], [15, 56.0], [16, 60.8], [17, 64.4], [18, 66.9], [20, 70.6]],
	female: [[0, 3.2], [0.25, 5.8], [0.5, 7.3], [0.75, 8.2], [1, 8.9], [1.5, 10.2], [2, 11.5], [3, 13.9], [4, 15.9], [5, 17.9], [6, 20.2], [7, 22.4], [8, 25.0], [9, 28.2], [10, 31.9], [11, 36.0], [12, 40.5], [13, 45.2], [14, 48.5], [15, 51.0], [16, 52.7], [17, 54.0], [18, 55.5], [20, 57.0]]
};

// Resting heart rate, middle of the normal range (PALS / AHA tables).
const heartRateCurve: Curve = [[0, 135], [0.5, 125], [1, 115], [2, 105], [4, 98], [6, 90], [10, 84], [14, 78], [18, 72], [60, 70], [90, 72]];

function interpolate(curve: Curve, x: number): number {
	const first = curve[0]!;
	if (x <= first[0]) return first[1];
	for (let i = 1; i < curve.length; i++) {
		const [x1, y1] = curve[i]!;
		if (x <= x1) {
			const [x0, y0] = curve[i - 1]!;
			return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
		}
	}
	return curve[curve.length - 1]![1];
}

function bySex(curves: Record<'female' | 'male', Curve>, sex: Sex, age: number): number {
	if (sex === 'female' || sex === 'male') return interpolate(curves[sex], age);
	return (interpolate(curves.female, age) + interpolate(curves.male, age)) / 2;
}

/** Median height (length under 2) for age; adults keep the value at 20. */
export function medianHeightCm(sex: Sex, age: number): number {
	return bySex(heightCurves, sex, Math.min(age, 20));
}

export function medianWeightKg(sex: Sex, age: number): number {
	return bySex(weightCurves, sex, Math.min(age, 20));
}

export function typicalHeartRate(age: number): number {
	return interpolate(heartRateCurve, age);
}

/** Median blood pressure of a child of average height (AAP 2017 tables, rounded); from age 3. */
export function childBloodPressure(age: number): { systolic: number; diastolic: number } {
	return { systolic: 91 + 1.4 * age, diastolic: 52 + 0.9 * age };
}

/** Typical untreated adult blood pressure: systolic rises with age, diastolic falls after 60. */
export function adultBloodPressure(age: number): { systolic: number; diastolic: number } {
	const diastolic = age < 60 ? 72 + 0.12 * (age - 20) : 76.8 - 0.2 * (age - 60);
	return { systolic: 110 + 0.35 * (age - 20), diastolic };
}

/** Estimated average glucose (mg/dL) for an A1c (%), ADAG study: eAG = 28.7 × A1c − 46.7. */
export function estimatedAverageGlucose(a1c: number): number {
	return 28.7 * a1c - 46.7;
}

function ckdEpiConstants(sex: Sex) {
	// The equation has female and male forms only; other/unknown use the female form.
	return sex === 'male' ? { kappa: 0.9, alpha: -0.302, factor: 1 } : { kappa: 0.7, alpha: -0.241, factor: 1.012 };
}

/** eGFR (mL/min/1.73 m²) from serum creatinine (mg/dL): CKD-EPI 2021, without race. */
export function ckdEpi2021(creatinine: number, age: number, sex: Sex): number {
	const { kappa, alpha, factor } = ckdEpiConstants(sex);
	const ratio = creatinine / kappa;
	return 142 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.2 * 0.9938 ** age * factor;
}

/** The creatinine that gives `egfr` in CKD-EPI 2021: labs report creatinine, eGFR follows from it. */
export function creatinineForEgfr(egfr: number, age: number, sex: Sex): number {
	const { kappa, alpha, factor } = ckdEpiConstants(sex);
	const atKappa = 142 * 0.9938 ** age * factor;
	const ratio = egfr <= atKappa ? (egfr / atKappa) ** (-1 / 1.2) : (egfr / atKappa) ** (1 / alpha);
	return ratio * kappa;
}

/**
 * A measure that moves towards a new level after something changes (a drug started, a dose
 * raised), approaching it exponentially as blood pressure or A1c do, rather than jumping.
 */
export class Trend {
	private readonly steps: readonly { day: EpochDay; target: number; tauDays: number }[];

	constructor(
		private readonly initial: number,
		steps: readonly { day: EpochDay; target: number; tauDays: number }[] = []
	) {
		this.steps = [...steps].sort((a, b) => a.day - b.day);
	}

	valueOn(day: EpochDay): number {
		let value = this.initial;
		for (let i = 0; i < this.steps.length; i++) {
			const step = this.steps[i]!;
			if (day < step.day) break;
			const next = this.steps[i + 1];
			const until = next && next.day <= day ? next.day : day;
			value = step.target + (value - step.target) * Math.exp(-(until - step.day) / step.tauDays);
		}
		return value;
	}
}
