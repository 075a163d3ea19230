/**
 * Automatic logoff, the browser half: when to warn and when to leave. Plain TypeScript with the
 * clock, the timers, the keepalive request and the other tabs injected, so the rules are tested
 * without a browser (idle-timer.test.ts) and IdleLogoff.svelte only wires them to the page.
 *
 * The server is authoritative (a session unused for the clinic's timeout is deleted there).
 * To never promise time the server will not give, the deadline counts from the last moment the
 * server is known to have heard from this person — the last keepalive, from any tab — not from
 * the last key press. Activity sends a keepalive when the server last heard more than
 * `keepaliveAfterMs` ago, so a person who keeps working is never signed out.
 */

export type IdlePhase = 'active' | 'warning' | 'ended';
export type IdleEndReason = 'idle' | 'signed-out';

export interface IdleSnapshot {
	phase: IdlePhase;
	/** Whole seconds until logoff while warning; 0 otherwise. */
	secondsLeft: number;
}

/** What tabs tell each other (BroadcastChannel in the browser). */
export type IdleMessage = { type: 'touched'; at: number } | { type: 'ended'; reason: IdleEndReason };

export type KeepaliveResult = 'ok' | 'signed-out' | 'failed';

export interface IdleTimerOptions {
	timeoutMs: number;
	/** How long before logoff the warning shows; default one minute. */
	warningMs?: number;
	/** Activity refreshes the server when it last heard longer ago than this; default 30 s. */
	keepaliveAfterMs?: number;
	now?: () => number;
	setTimer?: (run: () => void, ms: number) => unknown;
	clearTimer?: (handle: unknown) => void;
	keepalive: () => Promise<KeepaliveResult>;
	broadcast?: (message: IdleMessage) => void;
	onChange: (snapshot: IdleSnapshot) => void;
	onEnd: (reason: IdleEndReason) => void;
}

export class IdleTimer {
	readonly timeoutMs: number;
	readonly warningMs: number;
	readonly keepaliveAfterMs: number;
	#now: () => number;
	#setTimer: (run: () => void, ms: number) => unknown;
	#clearTimer: (handle: unknown) => void;
	#options: IdleTimerOptions;
	#lastTouch = 0;
	#timer: unknown = null;
	#inFlight: Promise<KeepaliveResult> | null = null;
	#snapshot: IdleSnapshot = { phase: 'active', secondsLeft: 0 };
	#started = false;

	constructor(options: IdleTimerOptions) {
		this.#options = options;
		this.timeoutMs = options.timeoutMs;
		this.warningMs = Math.min(options.warningMs ?? 60_000, options.timeoutMs);
		this.keepaliveAfterMs = options.keepaliveAfterMs ?? 30_000;
		this.#now = options.now ?? Date.now;
		this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
		this.#clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
	}

	get snapshot(): IdleSnapshot {
		return this.#snapshot;
	}

	/** When the server last heard from this person, as far as this tab knows. */
	get lastTouch(): number {
		return this.#lastTouch;
	}

	get deadline(): number {
		return this.#lastTouch + this.timeoutMs;
	}

	/**
	 * Starts counting from `serverHeardAt` (the page just loaded: the server heard from us, but
	 * it writes last_seen_at at most once a minute, so the caller usually sends a keepalive too).
	 */
	start(serverHeardAt = this.#now()): void {
		this.#started = true;
		this.#lastTouch = serverHeardAt;
		this.#evaluate();
	}

	stop(): void {
		this.#started = false;
		this.#cancelTimer();
	}

	/** Pointer, key or scroll in this tab. Ignored during the warning: only "Stay signed in" answers it. */
	activity(): void {
		if (!this.#started || this.#snapshot.phase !== 'active') return;
		if (this.#now() - this.#lastTouch >= this.keepaliveAfterMs) void this.#sendKeepalive();
	}

	/** "Stay signed in": tells the server now, whatever the throttle says. */
	stay(): Promise<KeepaliveResult> {
		if (!this.#started || this.#snapshot.phase === 'ended') return Promise.resolve('signed-out');
		return this.#sendKeepalive();
	}

	/** Re-reads the clock (a tab coming back into view, a computer waking from sleep). */
	check(): void {
		if (this.#started) this.#evaluate();
	}

	/** A message from another tab. */
	receive(message: IdleMessage): void {
		if (!this.#started || this.#snapshot.phase === 'ended') return;
		if (message.type === 'touched') {
			if (message.at > this.#lastTouch) this.#lastTouch = message.at;
			this.#evaluate();
		} else {
			this.#end(message.reason, false);
		}
	}

	#sendKeepalive(): Promise<KeepaliveResult> {
		if (this.#inFlight) return this.#inFlight;
		const sentAt = this.#now();
		this.#inFlight = this.#options
			.keepalive()
			.catch((): KeepaliveResult => 'failed')
			.then((result) => {
				this.#inFlight = null;
				if (!this.#started || this.#snapshot.phase === 'ended') return result;
				if (result === 'ok') {
					// The server heard us no later than when we asked.
					if (sentAt > this.#lastTouch) this.#lastTouch = sentAt;
					this.#options.broadcast?.({ type: 'touched', at: sentAt });
					this.#evaluate();
				} else if (result === 'signed-out') {
					this.#end('signed-out', true);
				}
				return result;
			});
		return this.#inFlight;
	}

	#evaluate(): void {
		this.#cancelTimer();
		const now = this.#now();
		const left = this.deadline - now;
		if (left <= 0) {
			this.#end('idle', true);
			return;
		}
		if (left > this.warningMs) {
			this.#publish({ phase: 'active', secondsLeft: 0 });
			this.#schedule(left - this.warningMs);
		} else {
			this.#publish({ phase: 'warning', secondsLeft: Math.ceil(left / 1000) });
			// Next whole second of the countdown (or the deadline itself).
			this.#schedule(left % 1000 || 1000);
		}
	}

	#end(reason: IdleEndReason, tellOthers: boolean): void {
		if (this.#snapshot.phase === 'ended') return;
		this.#cancelTimer();
		this.#publish({ phase: 'ended', secondsLeft: 0 });
		if (tellOthers) this.#options.broadcast?.({ type: 'ended', reason });
		this.#options.onEnd(reason);
	}

	#publish(snapshot: IdleSnapshot): void {
		if (snapshot.phase === this.#snapshot.phase && snapshot.secondsLeft === this.#snapshot.secondsLeft) return;
		this.#snapshot = snapshot;
		this.#options.onChange(snapshot);
	}

	#schedule(ms: number): void {
		this.#timer = this.#setTimer(() => {
			this.#timer = null;
			this.#evaluate();
		}, ms);
	}

	#cancelTimer(): void {
		if (this.#timer !== null) this.#clearTimer(this.#timer);
		this.#timer = null;
	}
}
