import type { encounterKinds } from '../schema/index';
import { conditionCatalog, acuteProblemsByAgeGroup, type ConditionKey, type MedicationKey } from './clinical-catalog';
import { nextWeekday, weekdayOf, type EpochDay } from './clinic-calendar';
import type { ClinicalProfile, HistoryWindow } from './clinical-profile';
import type { SeededRandom } from './random';

/**
 * A patient's visits over the two-year window and the next few weeks: well visits, chronic
 * follow-ups at the pace their problems need, the visits where a problem was found or its
 * treatment stepped up, and acute visits with the short course prescribed at each.
 */

export type EncounterKind = (typeof encounterKinds)[number];

export interface PlannedEncounter {
	day: EpochDay;
	kind: EncounterKind;
	status: 'finished' | 'planned';
	reason: string;
	/** The primary physician, or the care team's nurse practitioner for some acute visits. */
	seenBy: 'primary' | 'nursePractitioner';
	/** Chronic problems reviewed at the visit; they decide the labs drawn. */
	reviews: ConditionKey[];
	/** The acute problem that brought the patient in, and the short course prescribed for it. */
	acute?: { key: ConditionKey; febrile: boolean; resolvedDay: EpochDay; treatment: AcuteTreatment | null };
	/** Problems diagnosed at this visit. */
	diagnoses: ConditionKey[];
	/** Kept over a routine visit nearby: 3 diagnosis/step-up, 2 well or acute, 1 routine follow-up. */
	priority: number;
}

export interface AcuteTreatment {
	key: MedicationKey;
	days: number;
}

/** How often each chronic problem is reviewed when it is stable; absent means "at the annual visit". */
const reviewIntervalDays: Partial<Record<ConditionKey, number>> = {
	type2Diabetes: 120,
	hypertension: 182,
	atrialFibrillation: 120,
	chronicKidneyDisease: 120,
	anxiety: 91,
	depression: 91,
	adhd: 91,
	asthma: 182,
	hypothyroidism: 182,
	hyperlipidemia: 182,
	prediabetes: 182
};

/** Problems usually reviewed by video: nothing needs to be measured. */
const telehealthFriendly: ReadonlySet<ConditionKey> = new Set(['anxiety', 'depression', 'adhd']);

/** Chance that the acute problem comes with a fever at the visit. */
const feverOdds: Partial<Record<ConditionKey, number>> = {
	upperRespiratoryInfection: 0.35,
	otitisMedia: 0.6,
	pharyngitis: 0.5,
	sinusitis: 0.15,
	urinaryTractInfection: 0.15
};

/** Well-child visits (AAP periodicity schedule), in months of age. */
const wellChildMonths = [0.15, 1, 2, 4, 6, 9, 12, 15, 18, 24, 30, 36];

/** How far ahead appointments are booked. */
const bookingHorizonDays = 120;

export function planEncounters(
	random: SeededRandom,
	profile: ClinicalProfile,
	window: HistoryWindow,
	options: { hasNursePractitioner: boolean; alwaysBookNext: boolean }
): PlannedEncounter[] {
	const candidates: PlannedEncounter[] = [];
	const firstDay = Math.max(window.start, profile.birthDay + 3);
	const horizon = window.today + bookingHorizonDays;
	const ageOn = (day: EpochDay) => (day - profile.birthDay) / 365.2425;
	const activeOn = (day: EpochDay) => profile.conditions.filter((c) => c.onsetDay <= day).map((c) => c.key);
	const visit = (day: EpochDay, fields: Partial<PlannedEncounter> & Pick<PlannedEncounter, 'kind' | 'reason' | 'priority'>) =>
		candidates.push({ day, status: day < window.today ? 'finished' : 'planned', seenBy: 'primary', reviews: [], diagnoses: [], ...fields });

	// Well visits: the AAP schedule in the first three years, then once a year.
	for (const months of wellChildMonths) {
		const day = nextWeekday(profile.birthDay + Math.round(months * 30.44) + random.int(0, 6));
		if (day >= firstDay && day <= horizon && random.chance(day < window.today ? 0.95 : 0.85)) {
			visit(day, { kind: 'annual_exam', reason: 'Well-child visit', priority: 2 });
		}
	}
	const attendance = profile.conditions.length > 0 ? 0.92 : profile.age < 18 ? 0.85 : profile.age < 40 ? 0.6 : profile.age < 65 ? 0.8 : 0.9;
	for (let day = window.start + random.int(0, 364); day <= horizon; day += 365 + random.int(-21, 21)) {
		const weekday = nextWeekday(day);
		if (weekday < firstDay || ageOn(weekday) < 3 || !random.chance(attendance)) continue;
		const reason = ageOn(weekday) < 18 ? 'Well-child visit' : ageOn(weekday) >= 65 ? 'Annual wellness visit' : 'Annual physical';
		visit(weekday, { kind: 'annual_exam', reason, reviews: activeOn(weekday), priority: 2 });
	}

	// Problems found, and treatment stepped up, inside the window: the visit and an early recheck.
	for (const condition of profile.conditions) {
		const definition = conditionCatalog[condition.key];
		const recheck = definition.followUpReason ?? definition.presentingReason;
		if (condition.course === 'new') {
			visit(condition.onsetDay, { kind: 'office_visit', reason: definition.presentingReason, diagnoses: [condition.key], reviews: [condition.key], priority: 3 });
			if (condition.key in reviewIntervalDays) {
				visit(nextWeekday(condition.onsetDay + random.int(28, 49)), { kind: 'follow_up', reason: recheck, reviews: [condition.key], priority: 3 });
			}
		}
		if (condition.stepUpDay !== undefined) {
			visit(condition.stepUpDay, { kind: 'follow_up', reason: recheck, reviews: [condition.key], priority: 3 });
			visit(nextWeekday(condition.stepUpDay + random.int(28, 49)), { kind: 'follow_up', reason: recheck, reviews: [condition.key], priority: 3 });
		}
	}

	// Routine follow-ups at the pace of the problem that needs the closest watch.
	const intervals = profile.conditions.flatMap((c) => reviewIntervalDays[c.key] ?? []);
	if (intervals.length > 0) {
		const interval = Math.min(...intervals);
		let bookedAhead = false;
		for (let day = window.start + random.int(0, interval); day <= horizon; day += interval + random.int(-14, 14)) {
			const weekday = nextWeekday(day);
			const reviewed = activeOn(weekday).filter((key) => key in reviewIntervalDays);
			if (reviewed.length === 0) continue;
			if (weekday >= window.today) {
				if (bookedAhead || !(options.alwaysBookNext || random.chance(0.8))) continue;
				bookedAhead = true;
			}
			const lead = conditionCatalog[reviewed[0]!];
			const byVideo = reviewed.every((key) => telehealthFriendly.has(key)) && random.chance(0.6);
			visit(weekday, { kind: byVideo ? 'telehealth' : 'follow_up', reason: lead.followUpReason ?? lead.presentingReason, reviews: reviewed, priority: 1 });
		}
	}

	planAcuteVisits(random, profile, window, firstDay, options.hasNursePractitioner, visit);
	const encounters = settleCalendar(candidates, window);
	if (options.alwaysBookNext && !encounters.some((e) => e.status === 'planned')) {
		const day = nextWeekday(window.today + random.int(7, 21));
		const reviews = activeOn(day);
		const lead = reviews[0] ? conditionCatalog[reviews[0]] : undefined;
		encounters.push({
			day,
			kind: lead ? 'follow_up' : 'annual_exam',
			status: 'planned',
			reason: lead?.followUpReason ?? (profile.age < 18 ? 'Well-child visit' : 'Annual physical'),
			seenBy: 'primary',
			reviews,
			diagnoses: [],
			priority: 2
		});
	}
	return encounters;
}

type AddVisit = (day: EpochDay, fields: Partial<PlannedEncounter> & Pick<PlannedEncounter, 'kind' | 'reason' | 'priority'>) => void;

function planAcuteVisits(
	random: SeededRandom,
	profile: ClinicalProfile,
	window: HistoryWindow,
	firstDay: EpochDay,
	hasNursePractitioner: boolean,
	visit: AddVisit
): void {
	const from = Math.max(firstDay, profile.birthDay + 14);
	const to = window.today - 1;
	if (to - from < 7) return;
	const group = profile.age < 18 ? 'child' : profile.age < 65 ? 'adult' : 'senior';
	// Acute visits per year: small children are in most often.
	const perYear = profile.age < 6 ? 2.2 : profile.age < 18 ? 1.4 : profile.age < 65 ? 0.6 : 0.8;
	const problems =
		profile.scriptedAcuteProblems ??
		Array.from({ length: poisson(random, (perYear * (to - from)) / 365.2425) }, () =>
			random.weighted(
				acuteProblemsByAgeGroup[group].map(([key, weight]) => [key, key === 'urinaryTractInfection' && profile.sex !== 'female' ? weight * 0.15 : weight] as const)
			)
		);

	for (const key of problems) {
		// The clinics are closed at weekends: a complaint drawn on Saturday or Sunday is seen on Friday.
		const drawn = random.int(from, to);
		const day = drawn - (weekdayOf(drawn) === 6 ? 1 : weekdayOf(drawn) === 0 ? 2 : 0);
		if (day < from) continue;
		const remote = key === 'upperRespiratoryInfection' || key === 'sinusitis' || key === 'urinaryTractInfection';
		const kind = random.weighted<EncounterKind>(
			remote
				? [['office_visit', 55], ['urgent_care', 30], ['telehealth', 15]]
				: [['office_visit', 65], ['urgent_care', 35]]
		);
		visit(day, {
			kind,
			reason: conditionCatalog[key].presentingReason,
			seenBy: hasNursePractitioner && random.chance(0.5) ? 'nursePractitioner' : 'primary',
			acute: { key, febrile: random.chance(feverOdds[key] ?? 0), resolvedDay: day + random.int(5, 14), treatment: acuteTreatment(random, profile, key) },
			priority: 2
		});
	}
}

/** What is prescribed for an acute problem, respecting allergies, kidneys and anticoagulation. */
function acuteTreatment(random: SeededRandom, profile: ClinicalProfile, key: ConditionKey): AcuteTreatment | null {
	const excluded = new Set(profile.allergies.map((a) => a.excludes));
	const child = profile.age < 12;
	const course = (medication: MedicationKey, days = 10): AcuteTreatment => ({ key: medication, days });
	switch (key) {
		case 'otitisMedia':
		case 'pharyngitis':
		case 'sinusitis': {
			const odds = { otitisMedia: 0.8, pharyngitis: 0.45, sinusitis: 0.4 }[key];
			if (!random.chance(odds)) return null;
			if (excluded.has('penicillins')) return child ? course('cefdinirSuspension') : course('azithromycin', 5);
			if (child) return course('amoxicillinSuspension');
			return key === 'sinusitis' ? course('amoxicillinClavulanate', 7) : course('amoxicillinCapsule');
		}
		case 'urinaryTractInfection':
			return course('nitrofurantoin', 5);
		case 'lowBackPain':
		case 'ankleSprain': {
			const riskyNsaid =
				excluded.has('nsaids') ||
				profile.age >= 75 ||
				profile.conditions.some((c) => c.key === 'chronicKidneyDisease') ||
				profile.medications.some((m) => m.key === 'apixaban' || m.key === 'warfarin');
			return riskyNsaid ? course('acetaminophen', 14) : course('ibuprofen', 10);
		}
		default:
			return null;
	}
}

/**
 * One visit per day, and no routine follow-up within three weeks of another visit (it would
 * have been folded into it). Past visits that slide onto today are dropped.
 */
function settleCalendar(candidates: PlannedEncounter[], window: HistoryWindow): PlannedEncounter[] {
	const accepted: PlannedEncounter[] = [];
	const ordered = [...candidates].sort((a, b) => b.priority - a.priority || a.day - b.day);
	for (const candidate of ordered) {
		if (candidate.priority === 1 && accepted.some((e) => Math.abs(e.day - candidate.day) < 21)) continue;
		let day = candidate.day;
		while (accepted.some((e) => e.day === day)) day = nextWeekday(day + 1);
		if (candidate.status === 'finished' && day >= window.today) continue;
		if (day === window.today) day = nextWeekday(day + 1);
		accepted.push({ ...candidate, day, status: day < window.today ? 'finished' : 'planned' });
	}
	const planned = accepted.filter((e) => e.status === 'planned').sort((a, b) => a.day - b.day);
	// Nobody has more than two appointments on the books.
	const keep = new Set(planned.slice(0, 2));
	return accepted.filter((e) => e.status === 'finished' || keep.has(e)).sort((a, b) => a.day - b.day);
}

function poisson(random: SeededRandom, mean: number): number {
	const limit = Math.exp(-mean);
	let count = 0;
	let product = random.next();
	while (product > limit) {
		count++;
		product *= random.next();
	}
	return count;
}
