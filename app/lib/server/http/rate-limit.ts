/**
 * A fixed-window counter per key (client address, account…), in process memory. One process
 * serves a clinic, so memory is the right place; a restart forgets, which only ever loosens.
 */
export class RateLimiter {
	private readonly windows = new Map<string, { count: number; resetAt: number }>();

	constructor(
		private readonly limit: number,
		private readonly windowMs: number
	) {}

	/** Counts one attempt; returns the seconds to wait when over the limit, else 0. */
	hit(key: string, now = Date.now()): number {
		if (this.windows.size > 10_000) this.prune(now);
		const window = this.windows.get(key);
		if (!window || window.resetAt <= now) {
			this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
			return 0;
		}
		window.count += 1;
		return window.count > this.limit ? Math.ceil((window.resetAt - now) / 1000) : 0;
	}

	private prune(now: number): void {
		for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
	}
}
