/**
 * New in-app notifications, for the socket server to push to the person's open tabs. Domain code
 * emits here and never imports socket.io; server/realtime.ts subscribes and sends
 * 'notification:new' to the room `user:<id>`.
 *
 * In-process, on globalThis, for the reason access-events.ts gives: the SvelteKit bundle and the
 * server entry each load their own copy of this module, and a notification created by a page
 * (bundle copy) must reach the socket server (server copy).
 */
import type { NotificationSummary } from '../../realtime/events';

export interface NotificationEvent {
	userId: string;
	notification: NotificationSummary;
}

export type NotificationListener = (event: NotificationEvent) => void;

const busKey = Symbol.for('clinicsync.notification-events');
type BusHolder = { [busKey]?: Set<NotificationListener> };

function listeners(): Set<NotificationListener> {
	const holder = globalThis as BusHolder;
	return (holder[busKey] ??= new Set());
}

/** Subscribes; returns the unsubscribe function. */
export function onNotification(listener: NotificationListener): () => void {
	listeners().add(listener);
	return () => {
		listeners().delete(listener);
	};
}

/**
 * Tells every subscriber. Call it after the notification rows committed. A failing subscriber
 * does not stop the others (the row is stored and shows on the next page load either way).
 */
export function emitNotification(event: NotificationEvent): void {
	for (const listener of [...listeners()]) {
		try {
			listener(event);
		} catch {
			// The notification is stored; a push that failed only means it shows on the next load.
		}
	}
}
