import type { CalendarWatch, ScheduleChange } from '$lib/realtime/schedule-events';
import type { Ack } from '$lib/realtime/events';

/**
 * Keeps an open staff calendar live: follows the calendars it shows over the tab's socket
 * ('calendar:watch'), and when a 'schedule:changed' touches a day and provider on screen, asks
 * the page to reload (the notice carries no patient details; the reload goes through the access
 * module). After a lost connection it follows again and reloads once, since changes may have
 * been missed meanwhile.
 */

/** What the page shows: the calendars to follow, the local days and (null = all) the providers on screen. */
export interface CalendarView {
	watches: CalendarWatch[];
	days: string[];
	practitionerIds: string[] | null;
}

/** The part of the tab's socket this uses (a test passes a fake). */
export interface CalendarSocket {
	connected: boolean;
	on(event: 'schedule:changed', listener: (change: ScheduleChange) => void): unknown;
	off(event: 'schedule:changed', listener: (change: ScheduleChange) => void): unknown;
	on(event: 'connect' | 'disconnect', listener: () => void): unknown;
	off(event: 'connect' | 'disconnect', listener: () => void): unknown;
	emit(event: 'calendar:watch', payload: CalendarWatch, ack: (reply: Ack) => void): unknown;
	emit(event: 'calendar:unwatch', payload: CalendarWatch, ack?: (reply: Ack) => void): unknown;
}

/** Does this change touch what is on screen? Capacity and request notices change no calendar entry. */
export function changeConcernsView(change: ScheduleChange, view: Pick<CalendarView, 'days' | 'practitionerIds'>): boolean {
	if (change.kind === 'capacity' || change.kind === 'request') return false;
	if (change.days.length > 0 && !change.days.some((day) => view.days.includes(day))) return false;
	if (view.practitionerIds && change.practitionerIds.length > 0 && !change.practitionerIds.some((id) => view.practitionerIds!.includes(id))) return false;
	return true;
}

const watchKey = (watch: CalendarWatch) => (watch.scope === 'clinic' ? 'clinic' : `practitioner:${watch.practitionerId}`);

export type LiveState = 'connecting' | 'live' | 'offline' | 'refused';

export class LiveCalendar {
	state = $state<LiveState>('connecting');
	/** The server's sentence when it refused to follow a calendar. */
	problem = $state('');
	/** For a polite live region: what changed, in words, without patient details. */
	announcement = $state('');

	#socket: CalendarSocket | null = null;
	#view: CalendarView = { watches: [], days: [], practitionerIds: null };
	#watched = new Map<string, CalendarWatch>();
	readonly #reload: () => Promise<unknown>;
	#reloading: Promise<unknown> | null = null;
	#again = false;
	#detach: (() => void) | null = null;

	constructor(reload: () => Promise<unknown>) {
		this.#reload = reload;
	}

	attach(socket: CalendarSocket): () => void {
		this.#socket = socket;
		const onChange = (change: ScheduleChange) => {
			if (!changeConcernsView(change, this.#view)) return;
			this.announcement = `The calendar was updated (${describeKind(change.kind)}).`;
			void this.refresh();
		};
		const onConnect = () => {
			const wasOffline = this.state === 'offline';
			this.#watched.clear();
			void this.#sync().then(() => {
				if (wasOffline) void this.refresh();
			});
		};
		const onDisconnect = () => {
			this.state = 'offline';
			this.#watched.clear();
		};
		socket.on('schedule:changed', onChange);
		socket.on('connect', onConnect);
		socket.on('disconnect', onDisconnect);
		if (socket.connected) onConnect();
		this.#detach = () => {
			socket.off('schedule:changed', onChange);
			socket.off('connect', onConnect);
			socket.off('disconnect', onDisconnect);
			for (const watch of this.#watched.values()) socket.emit('calendar:unwatch', watch);
			this.#watched.clear();
			this.#socket = null;
		};
		return () => this.#detach?.();
	}

	/** The page shows something else now: follow that instead. */
	show(view: CalendarView): void {
		this.#view = view;
		void this.#sync();
	}

	/** Reloads; a change arriving during a reload causes one more reload after it, never overlapping ones. */
	async refresh(): Promise<void> {
		if (this.#reloading) {
			this.#again = true;
			await this.#reloading;
			return;
		}
		do {
			this.#again = false;
			this.#reloading = this.#reload().catch(() => undefined);
			await this.#reloading;
		} while (this.#again);
		this.#reloading = null;
	}

	async #sync(): Promise<void> {
		const socket = this.#socket;
		if (!socket || !socket.connected) return;
		const wanted = new Map(this.#view.watches.map((w) => [watchKey(w), w]));
		for (const [key, watch] of this.#watched) {
			if (!wanted.has(key)) {
				socket.emit('calendar:unwatch', watch);
				this.#watched.delete(key);
			}
		}
		const joins = [...wanted].filter(([key]) => !this.#watched.has(key));
		const replies = await Promise.all(
			joins.map(
				([key, watch]) =>
					new Promise<{ key: string; watch: CalendarWatch; reply: Ack }>((resolve) => socket.emit('calendar:watch', watch, (reply) => resolve({ key, watch, reply })))
			)
		);
		let refused = '';
		for (const { key, watch, reply } of replies) {
			if (reply.ok) this.#watched.set(key, watch);
			else refused = reply.error;
		}
		this.problem = refused;
		this.state = refused ? 'refused' : socket.connected ? 'live' : 'offline';
	}
}

function describeKind(kind: ScheduleChange['kind']): string {
	switch (kind) {
		case 'booked':
			return 'an appointment was booked';
		case 'rescheduled':
			return 'an appointment was moved';
		case 'cancelled':
			return 'an appointment was cancelled';
		case 'status':
			return 'an appointment’s status changed';
		case 'availability':
			return 'working hours changed';
		default:
			return 'something changed';
	}
}
