import { addDays, localDateOf, zonedInstant } from './clinic-time';

/** One medication schedule entry of a plan, as the tracker needs it. */
export interface ScheduleItem {
	id: string;
	medication: string;
	dose: string;
	/** "HH:MM" on the clinic's clocks. */
	times: readonly string[];
	/** First and last day ('YYYY-MM-DD', inclusive); no end date: until the plan changes. */
	startDate: string;
	endDate: string | null;
}

export interface ScheduledDose {
	scheduleItemId: string;
	medication: string;
	dose: string;
	scheduledFor: Date;
	/** The clinic calendar day and clock time it was scheduled for, for display and grouping. */
	localDate: string;
	localTime: string;
}

const timePattern = /^([01]\d|2[0-3]):[0-5]\d$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Every dose the schedule calls for with `from` ≤ scheduledFor < `to`, oldest first. Times are
 * wall-clock times where the clinic is, so a dose at 08:00 stays at 08:00 across daylight
 * saving. Entries or times that are malformed are skipped rather than guessed at.
 */
export function scheduledDoses(schedule: readonly ScheduleItem[], from: Date, to: Date, timeZone: string): ScheduledDose[] {
	if (!(from < to)) return [];
	// One day either side: a zone's calendar day can begin before `from`'s UTC day does.
	const firstDay = addDays(localDateOf(from, timeZone), -1);
	const lastDay = addDays(localDateOf(to, timeZone), 1);
	const doses: ScheduledDose[] = [];
	for (const item of schedule) {
		if (!datePattern.test(item.startDate) || (item.endDate !== null && !datePattern.test(item.endDate))) continue;
		const times = [...new Set(item.times.filter((t) => timePattern.test(t)))].sort();
		if (times.length === 0) continue;
		const start = item.startDate > firstDay ? item.startDate : firstDay;
		const end = item.endDate !== null && item.endDate < lastDay ? item.endDate : lastDay;
		for (let day = start; day <= end; day = addDays(day, 1)) {
			for (const time of times) {
				const scheduledFor = zonedInstant(day, time, timeZone);
				if (scheduledFor < from || scheduledFor >= to) continue;
				doses.push({ scheduleItemId: item.id, medication: item.medication, dose: item.dose, scheduledFor, localDate: day, localTime: time });
			}
		}
	}
	return doses.sort((a, b) => a.scheduledFor.getTime() - b.scheduledFor.getTime() || a.scheduleItemId.localeCompare(b.scheduleItemId));
}

/** The key that ties a recorded dose to the scheduled one: the entry and the exact instant. */
export function doseKey(dose: { scheduleItemId: string; scheduledFor: Date }): string {
	return `${dose.scheduleItemId}@${dose.scheduledFor.toISOString()}`;
}

export interface DoseRecord {
	scheduleItemId: string;
	scheduledFor: Date;
	status: 'taken' | 'skipped';
}

export interface Adherence {
	/** Doses that were due (the doses passed in). */
	due: number;
	taken: number;
	skipped: number;
	/** Due, and nothing recorded. */
	unrecorded: number;
	/** Whole percent of due doses taken; null when nothing was due yet (no figure is better than 0 %). */
	percent: number | null;
}

/**
 * How many of the due doses were taken. A skipped dose counts against adherence like a missed
 * one (it was not taken), but is reported apart because the patient said so. Records for doses
 * not in `doses` (outside the period, or from an entry since removed) are ignored.
 */
export function adherence(doses: readonly Pick<ScheduledDose, 'scheduleItemId' | 'scheduledFor'>[], events: readonly DoseRecord[]): Adherence {
	const recorded = new Map(events.map((e) => [doseKey(e), e.status]));
	let taken = 0;
	let skipped = 0;
	for (const dose of doses) {
		const status = recorded.get(doseKey(dose));
		if (status === 'taken') taken += 1;
		else if (status === 'skipped') skipped += 1;
	}
	const due = doses.length;
	return { due, taken, skipped, unrecorded: due - taken - skipped, percent: due === 0 ? null : Math.round((taken / due) * 100) };
}
