import { describe, expect, it } from 'vitest';
import { afterSendRefusal, planSession, sessionLimits } from './session-policy';

const now = 1_700_000_000_000;
const session = { keyEpoch: 2, sharedWith: ['d1', 'd2'], createdAt: now - 1000, messageCount: 4 };

describe('planSession', () => {
	it('creates a session when there is none', () => {
		expect(planSession(null, 0, ['d1'], now)).toEqual({ action: 'create', reason: 'none' });
	});

	it('rotates when the conversation epoch moved past the session (a member or device was removed)', () => {
		expect(planSession(session, 3, ['d1', 'd2'], now)).toEqual({ action: 'create', reason: 'epoch' });
	});

	it('rotates when a device the key went to is no longer a signed member device, even before the epoch arrives', () => {
		expect(planSession(session, 2, ['d1'], now)).toEqual({ action: 'create', reason: 'device-removed' });
	});

	it('shares the existing key with devices that appeared since, and only with them', () => {
		expect(planSession(session, 2, ['d1', 'd2', 'd3'], now)).toEqual({ action: 'reuse', shareWith: ['d3'] });
		expect(planSession(session, 2, ['d2', 'd1'], now)).toEqual({ action: 'reuse', shareWith: [] });
	});

	it('rotates long and old sessions', () => {
		expect(planSession({ ...session, messageCount: sessionLimits.maxMessages }, 2, ['d1', 'd2'], now)).toEqual({ action: 'create', reason: 'count' });
		expect(planSession({ ...session, createdAt: now - sessionLimits.maxAgeMs }, 2, ['d1', 'd2'], now)).toEqual({ action: 'create', reason: 'age' });
	});
});

describe('afterSendRefusal', () => {
	it('rotates and retries once on a stale, unknown or replayed session', () => {
		for (const code of ['stale_session', 'unknown_session', 'replay'] as const) {
			expect(afterSendRefusal(code, 0)).toBe('rotate-and-retry');
			expect(afterSendRefusal(code, 1)).toBe('fail');
		}
	});

	it('gives up at once on refusals a new session cannot fix', () => {
		for (const code of ['read_only', 'not_member', 'too_large', 'bad_signature', 'timeout'] as const) expect(afterSendRefusal(code, 0)).toBe('fail');
	});
});
