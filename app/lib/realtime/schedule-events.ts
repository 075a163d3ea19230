/**
 * socket.io events of scheduling (issue 6), merged into the maps of events.ts. Calendars watch a
 * room per provider (`calendar:practitioner:<id>`) or the whole clinic (`calendar:clinic`); the
 * server pushes a content-free change notice and the page reloads its entries through the access
 * module (so a notice never carries a patient's name past a check). Handlers: server/schedule-handlers.ts.
 */
import type { Ack } from './events';

/** What changed on which calendars; no patient details. */
export interface ScheduleChange {
	kind: 'booked' | 'rescheduled' | 'cancelled' | 'status' | 'availability' | 'capacity' | 'request';
	appointmentId: string | null;
	/** The providers whose calendars show the change (both, for a move between providers). */
	practitionerIds: string[];
	/** Local clinic dates (YYYY-MM-DD) touched, so a calendar showing other days can ignore it. */
	days: string[];
	at: string;
}

export type CalendarWatch = { scope: 'clinic' } | { scope: 'practitioner'; practitionerId: string };

export interface ScheduleServerToClientEvents {
	/** Something on a watched calendar changed; reload the visible range. */
	'schedule:changed': (payload: ScheduleChange) => void;
}

export interface ScheduleClientToServerEvents {
	/** Start receiving changes for a calendar (checked: 'schedule.view', or a practitioner their own). */
	'calendar:watch': (payload: CalendarWatch, ack: (reply: Ack) => void) => void;
	'calendar:unwatch': (payload: CalendarWatch, ack?: (reply: Ack) => void) => void;
}

export const scheduleClientEventNames = ['calendar:watch', 'calendar:unwatch'] as const satisfies readonly (keyof ScheduleClientToServerEvents)[];

export const calendarRoom = (watch: CalendarWatch): string =>
	watch.scope === 'clinic' ? 'calendar:clinic' : `calendar:practitioner:${watch.practitionerId}`;
