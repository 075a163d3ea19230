import { formatDay } from '../../components/format';

/** "Mar 2, 2026, 08:00" for a dose, on the clinic's calendar and clocks (as the schedule says it). */
export function formatDoseTime(dose: { scheduledFor: Date; localTime: string }, timeZone: string): string {
	return `${formatDay(dose.scheduledFor.getTime(), timeZone)}, ${dose.localTime}`;
}
