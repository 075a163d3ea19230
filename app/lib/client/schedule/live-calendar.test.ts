import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { ScheduleChange } from '$lib/realtime/schedule-events';
import { changeConcernsView, LiveCalendar, type CalendarSocket } from './live-calendar.svelte';

const change = (patch: Partial<ScheduleChange>): ScheduleChange => ({ kind: 'booked', appointmentId: 'a1', practitionerIds: ['p1'], days: ['2026-03-09'], at: '2026-03-01T00:00:00Z', ...patch });

/** A socket that answers every watch with `reply` and records what was emitted. */
class FakeSocket extends EventEmitter {
	connected = true;
	emitted: [string, unknown][] = [];
	constructor(private reply: { ok: true } | { ok: false; error: string } = { ok: true }) {
		super();
	}
	override emit(event: string, ...args: unknown[]): boolean {
		if (event === 'calendar:watch' || event === 'calendar:unwatch') {
			this.emitted.push([event, args[0]]);
			const ack = args[1];
			if (typeof ack === 'function') queueMicrotask(() => ack(this.reply));
			return true;
		}
		return super.emit(event, ...args);
	}
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('live calendar', () => {
	it('reloads for a change on a shown day and provider, not for other days, other providers, capacity or requests', () => {
		const view = { days: ['2026-03-09', '2026-03-10'], practitionerIds: ['p1'] };
		expect(changeConcernsView(change({}), view)).toBe(true);
		expect(changeConcernsView(change({ days: ['2026-03-11'] }), view)).toBe(false);
		expect(changeConcernsView(change({ practitionerIds: ['p2'] }), view)).toBe(false);
		expect(changeConcernsView(change({ practitionerIds: ['p2'] }), { ...view, practitionerIds: null })).toBe(true);
		expect(changeConcernsView(change({ kind: 'capacity' }), view)).toBe(false);
		// Settings changes name no day: every calendar reloads.
		expect(changeConcernsView(change({ kind: 'availability', days: [], practitionerIds: [] }), view)).toBe(true);
	});

	it('follows what is shown, switches calendars, and coalesces reloads while one runs', async () => {
		let reloads = 0;
		let release: () => void = () => {};
		const live = new LiveCalendar(() => {
			reloads += 1;
			return new Promise<void>((resolve) => (release = resolve));
		});
		const socket = new FakeSocket();
		live.show({ watches: [{ scope: 'clinic' }], days: ['2026-03-09'], practitionerIds: null });
		const detach = live.attach(socket as unknown as CalendarSocket);
		await settle();
		expect(live.state).toBe('live');
		expect(socket.emitted).toEqual([['calendar:watch', { scope: 'clinic' }]]);

		live.show({ watches: [{ scope: 'practitioner', practitionerId: 'p1' }], days: ['2026-03-09'], practitionerIds: ['p1'] });
		await settle();
		expect(socket.emitted.slice(1)).toEqual([
			['calendar:unwatch', { scope: 'clinic' }],
			['calendar:watch', { scope: 'practitioner', practitionerId: 'p1' }]
		]);

		// Three changes while the first reload runs: one more reload after it, not three.
		socket.emit('schedule:changed', change({}));
		socket.emit('schedule:changed', change({ appointmentId: 'a2' }));
		socket.emit('schedule:changed', change({ appointmentId: 'a3' }));
		expect(reloads).toBe(1);
		expect(live.announcement).toMatch(/booked/);
		release();
		await settle();
		expect(reloads).toBe(2);
		release();
		await settle();
		expect(reloads).toBe(2);
		detach();
		expect(socket.emitted.at(-1)).toEqual(['calendar:unwatch', { scope: 'practitioner', practitionerId: 'p1' }]);
	});

	it('says so when the server refuses, and reloads once after a lost connection comes back', async () => {
		const refused = new FakeSocket({ ok: false, error: 'Your role does not allow viewing the clinic’s calendars.' });
		const denied = new LiveCalendar(async () => {});
		denied.show({ watches: [{ scope: 'clinic' }], days: [], practitionerIds: null });
		denied.attach(refused as unknown as CalendarSocket);
		await settle();
		expect(denied.state).toBe('refused');
		expect(denied.problem).toMatch(/does not allow/);

		let reloads = 0;
		const socket = new FakeSocket();
		const live = new LiveCalendar(async () => {
			reloads += 1;
		});
		live.show({ watches: [{ scope: 'clinic' }], days: [], practitionerIds: null });
		live.attach(socket as unknown as CalendarSocket);
		await settle();
		socket.connected = false;
		socket.emit('disconnect');
		expect(live.state).toBe('offline');
		socket.connected = true;
		socket.emit('connect');
		await settle();
		await settle();
		expect(live.state).toBe('live');
		expect(reloads).toBe(1);
		expect(socket.emitted.filter(([event]) => event === 'calendar:watch')).toHaveLength(2);
	});
});
