/**
 * socket.io handlers of the staff calendars: 'calendar:watch' / 'calendar:unwatch' join and leave a
 * calendar's room (`calendarRoom()`), and every committed scheduling change (the change bus of
 * app/lib/server/scheduling/schedule-changes.ts) is pushed as a content-free 'schedule:changed'
 * to the clinic room and to the room of each provider it touches. The page then reloads what it
 * shows through the access module, so a notice never carries a patient's details past a check.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Database } from '../db/client';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import { calendarRoom, type CalendarWatch } from '../app/lib/realtime/schedule-events';
import type { Actor } from '../app/lib/server/access/actor';
import { roleMay } from '../app/lib/server/access/policy';
import { recordAuditEvent } from '../app/lib/server/audit/audit-log';
import type { Logger } from '../app/lib/server/platform/logger';
import { onScheduleChange } from '../app/lib/server/scheduling/schedule-changes';

type ScheduleServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type ScheduleSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ScheduleHandlerDeps {
	db: Database;
	logger: Logger;
}

export const calendarWatchSchema = z.discriminatedUnion('scope', [
	z.object({ scope: z.literal('clinic') }).strict(),
	z.object({ scope: z.literal('practitioner'), practitionerId: z.string().uuid() }).strict()
]);

const invalidWatch = 'Say which calendar to follow: the whole clinic, or one provider by id.';
const refusedWatch = 'Your role does not allow viewing the clinic’s calendars.';

/** Staff with 'schedule.view' follow any calendar; a practitioner may always follow their own. */
export function mayWatchCalendar(actor: Pick<Actor, 'role' | 'practitionerId'>, watch: CalendarWatch): boolean {
	if (roleMay(actor.role, 'schedule.view')) return true;
	return watch.scope === 'practitioner' && actor.practitionerId !== null && actor.practitionerId === watch.practitionerId;
}

export function registerScheduleHandlers(_io: ScheduleServer, socket: ScheduleSocket, deps: ScheduleHandlerDeps): void {
	const { db, logger } = deps;

	socket.on('calendar:watch', (payload, ack) => {
		const reply = typeof ack === 'function' ? ack : () => {};
		const parsed = calendarWatchSchema.safeParse(payload);
		if (!parsed.success) return reply({ ok: false, error: invalidWatch });
		const watch = parsed.data;
		const actor = socket.data.actor;
		if (!mayWatchCalendar(actor, watch)) {
			// Watching shows no patient data, but a refused try is still worth a line in the trail.
			recordAuditEvent(db, actor, {
				action: 'appointment.list',
				outcome: 'denied',
				resourceType: 'calendar',
				resourceId: watch.scope === 'practitioner' ? watch.practitionerId : undefined,
				reason: 'role may not view calendars'
			}).catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'audit of a refused calendar watch failed'));
			return reply({ ok: false, error: refusedWatch });
		}
		// The socket may have gone while we looked.
		if (socket.disconnected) return;
		Promise.resolve(socket.join(calendarRoom(watch))).then(
			() => reply({ ok: true }),
			(error: Error) => {
				logger.error({ event: 'calendar:watch', err: { name: error.name, message: error.message } }, 'socket handler failed');
				reply({ ok: false, error: 'Could not follow this calendar. Try again.' });
			}
		);
	});

	socket.on('calendar:unwatch', (payload, ack) => {
		const reply = typeof ack === 'function' ? ack : () => {};
		const parsed = calendarWatchSchema.safeParse(payload);
		if (!parsed.success) return reply({ ok: false, error: invalidWatch });
		Promise.resolve(socket.leave(calendarRoom(parsed.data))).then(
			() => reply({ ok: true }),
			() => reply({ ok: true })
		);
	});
}

/**
 * Pushes every committed scheduling change to the calendars that show it: the clinic room and the
 * rooms of the providers it touches (one emit, so a socket in several of them hears it once).
 * Returns the function that stops listening (realtime.ts calls it when the server closes).
 */
export function attachScheduleChangeEvents(io: ScheduleServer): () => void {
	return onScheduleChange((change) => {
		const rooms = [calendarRoom({ scope: 'clinic' }), ...change.practitionerIds.map((practitionerId) => calendarRoom({ scope: 'practitioner', practitionerId }))];
		io.to(rooms).emit('schedule:changed', change);
	});
}
