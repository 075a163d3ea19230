import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
	it('allows the limit, refuses the next with the seconds to wait, and resets after the window', () => {
		const limiter = new RateLimiter(3, 60_000);
		const t0 = 1_000_000;
		expect([limiter.hit('a', t0), limiter.hit('a', t0), limiter.hit('a', t0)]).toEqual([0, 0, 0]);
		expect(limiter.hit('a', t0 + 1_000)).toBe(59);
		expect(limiter.hit('b', t0 + 1_000)).toBe(0);
		expect(limiter.hit('a', t0 + 60_000)).toBe(0);
	});
});
