import { describe, expect, it } from 'vitest';
import { IdleTimer, type IdleEndReason, type IdleMessage, type IdleSnapshot, type KeepaliveResult } from './idle-timer';

const minute = 60_000;

/** A clock and timers the test moves by hand. */
class ManualClock {
	now = 1_700_000_000_000;
	#timers: { at: number; run: () => void; id: number }[] = [];
	#next = 1;
	setTimer = (run: () => void, ms: number) => {
		const id = this.#next++;
		this.#timers.push({ at: this.now + ms, run, id });
		return id;
	};
	clearTimer = (handle: unknown) => {
		this.#timers = this.#timers.filter((t) => t.id !== handle);
	};
	/** Moves time forward, running each timer at its moment. */
	advance(ms: number): void {
		const target = this.now + ms;
		for (;;) {
			const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
			if (!due) break;
			this.#timers = this.#timers.filter((t) => t !== due);
			this.now = Math.max(this.now, due.at);
			due.run();
		}
		this.now = target;
	}
	get pending(): number {
		return this.#timers.length;
	}
}

function setup(options: { timeoutMs?: number; keepalive?: () => Promise<KeepaliveResult> } = {}) {
	const clock = new ManualClock();
	const changes: IdleSnapshot[] = [];
	const ends: IdleEndReason[] = [];
	const sent: IdleMessage[] = [];
	let keepalives = 0;
	const timer = new IdleTimer({
		timeoutMs: options.timeoutMs ?? 15 * minute,
		now: () => clock.now,
		setTimer: clock.setTimer,
		clearTimer: clock.clearTimer,
		keepalive: async () => {
			keepalives++;
			return options.keepalive ? options.keepalive() : 'ok';
		},
		broadcast: (message) => sent.push(message),
		onChange: (snapshot) => changes.push(snapshot),
		onEnd: (reason) => ends.push(reason)
	});
	return { clock, timer, changes, ends, sent, keepalives: () => keepalives };
}

/** Lets the keepalive promise chain settle. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('IdleTimer', () => {
	it('warns one minute before the timeout, counts down, then ends the session as idle', () => {
		const { clock, timer, changes, ends, sent } = setup();
		timer.start();
		expect(timer.snapshot).toEqual({ phase: 'active', secondsLeft: 0 });

		clock.advance(14 * minute - 1);
		expect(timer.snapshot.phase).toBe('active');
		clock.advance(1);
		expect(timer.snapshot).toEqual({ phase: 'warning', secondsLeft: 60 });
		clock.advance(15_000);
		expect(timer.snapshot).toEqual({ phase: 'warning', secondsLeft: 45 });
		expect(ends).toEqual([]);

		clock.advance(45_000);
		expect(timer.snapshot.phase).toBe('ended');
		expect(ends).toEqual(['idle']);
		expect(sent).toEqual([{ type: 'ended', reason: 'idle' }]);
		// Every second of the countdown was published once, in order.
		const seconds = changes.filter((c) => c.phase === 'warning').map((c) => c.secondsLeft);
		expect(seconds).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
		expect(clock.pending).toBe(0);
	});

	it('activity keeps the session going by telling the server, at most every 30 seconds', async () => {
		const { clock, timer, ends, sent, keepalives } = setup();
		timer.start();
		timer.activity();
		expect(keepalives()).toBe(0);

		clock.advance(10 * minute);
		timer.activity();
		timer.activity();
		await settle();
		expect(keepalives()).toBe(1);
		expect(sent).toEqual([{ type: 'touched', at: clock.now }]);
		expect(timer.lastTouch).toBe(clock.now);

		clock.advance(20_000);
		timer.activity();
		await settle();
		expect(keepalives()).toBe(1);

		// 15 minutes after the start, but only 5 after the server last heard: still active.
		clock.advance(5 * minute - 20_000);
		expect(timer.snapshot.phase).toBe('active');
		expect(ends).toEqual([]);
	});

	it('ignores mere activity during the warning; "Stay signed in" restores the full time', async () => {
		const { clock, timer, ends, keepalives } = setup();
		timer.start();
		clock.advance(14 * minute + 30_000);
		expect(timer.snapshot.phase).toBe('warning');
		timer.activity();
		await settle();
		expect(keepalives()).toBe(0);

		expect(await timer.stay()).toBe('ok');
		expect(timer.snapshot).toEqual({ phase: 'active', secondsLeft: 0 });
		expect(timer.deadline).toBe(clock.now + 15 * minute);
		clock.advance(14 * minute);
		expect(timer.snapshot.phase).toBe('warning');
		expect(ends).toEqual([]);
	});

	it('follows other tabs: their keepalive moves this deadline, their logoff ends this tab too', () => {
		const { clock, timer, ends, sent } = setup();
		timer.start();
		clock.advance(14 * minute + 10_000);
		expect(timer.snapshot.phase).toBe('warning');
		timer.receive({ type: 'touched', at: clock.now });
		expect(timer.snapshot.phase).toBe('active');
		// An older touch never moves the deadline back.
		timer.receive({ type: 'touched', at: clock.now - 5 * minute });
		expect(timer.deadline).toBe(clock.now + 15 * minute);

		timer.receive({ type: 'ended', reason: 'idle' });
		expect(ends).toEqual(['idle']);
		// Not echoed back to the other tabs.
		expect(sent).toEqual([]);
	});

	it('a keepalive answered "signed out" ends at once; a network failure changes nothing', async () => {
		let answer: KeepaliveResult = 'failed';
		const { clock, timer, ends } = setup({ keepalive: async () => answer });
		timer.start();
		clock.advance(minute);
		timer.activity();
		await settle();
		expect(ends).toEqual([]);
		expect(timer.snapshot.phase).toBe('active');

		answer = 'signed-out';
		timer.activity();
		await settle();
		expect(ends).toEqual(['signed-out']);
	});

	it('a computer waking from sleep past the deadline ends the session on the next check', () => {
		const { clock, timer, ends } = setup();
		timer.start();
		// Timers did not run while asleep: move the clock without running them.
		clock.now += 40 * minute;
		timer.check();
		expect(ends).toEqual(['idle']);
	});

	it('a keepalive that answers after the deadline does not revive the session', async () => {
		let release!: (result: KeepaliveResult) => void;
		const { clock, timer, ends } = setup({ keepalive: () => new Promise((resolve) => (release = resolve)) });
		timer.start();
		clock.advance(14 * minute + 59_000);
		const staying = timer.stay();
		clock.advance(2_000);
		expect(ends).toEqual(['idle']);
		release('ok');
		expect(await staying).toBe('ok');
		expect(timer.snapshot.phase).toBe('ended');
	});
});
