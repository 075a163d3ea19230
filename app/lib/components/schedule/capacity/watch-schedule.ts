import type { ScheduleChange } from '$lib/realtime/schedule-events';
import { acquireRealtimeConnection, releaseRealtimeConnection } from '$lib/client/realtime/realtime-connection';

/**
 * Follows the clinic's calendar room over the tab's socket and calls `onChange` for every
 * 'schedule:changed' notice (bookings, moves, capacity and request changes alike: the dashboards
 * show counts across the clinic). After a lost connection it follows again and calls `onChange`
 * once with null, since changes may have been missed. Browser only; returns the stop function.
 */
export function watchScheduleChanges(onChange: (change: ScheduleChange | null) => void, onState?: (live: boolean) => void): () => void {
	const socket = acquireRealtimeConnection();
	let wasOffline = false;
	const follow = () => {
		socket.emit('calendar:watch', { scope: 'clinic' }, (reply) => onState?.(reply.ok));
		if (wasOffline) onChange(null);
		wasOffline = false;
	};
	const lost = () => {
		wasOffline = true;
		onState?.(false);
	};
	socket.on('connect', follow);
	socket.on('disconnect', lost);
	socket.on('schedule:changed', onChange);
	if (socket.connected) follow();
	return () => {
		socket.off('connect', follow);
		socket.off('disconnect', lost);
		socket.off('schedule:changed', onChange);
		if (socket.connected) socket.emit('calendar:unwatch', { scope: 'clinic' });
		releaseRealtimeConnection();
	};
}
