/**
 * Calendar change notices, for the socket server to push to open calendars. Scheduling code
 * publishes after its transaction commits and never imports socket.io; server/schedule-handlers.ts
 * subscribes and emits 'schedule:changed' to the calendar rooms.
 *
 * In-process, on globalThis, for the reason notification-events.ts gives (the SvelteKit bundle
 * and the server entry each load their own copy of this module).
 */
import type { ScheduleChange } from '../../realtime/schedule-events';

export type ScheduleChangeListener = (change: ScheduleChange) => void;

const busKey = Symbol.for('clinicsync.schedule-changes');
type BusHolder = { [busKey]?: Set<ScheduleChangeListener> };

function listeners(): Set<ScheduleChangeListener> {
	return ((globalThis as BusHolder)[busKey] ??= new Set());
}

export function onScheduleChange(listener: ScheduleChangeListener): () => void {
	listeners().add(listener);
	return () => {
		listeners().delete(listener);
	};
}

/** Tells every subscriber; a failing one does not stop the others (calendars also reload on focus). */
export function publishScheduleChange(change: Omit<ScheduleChange, 'at'>): void {
	const full: ScheduleChange = { ...change, at: new Date().toISOString() };
	for (const listener of [...listeners()]) {
		try {
			listener(full);
		} catch {
			// A subscriber's failure is its own; the change is committed either way.
		}
	}
}
