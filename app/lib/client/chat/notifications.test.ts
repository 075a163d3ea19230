import { describe, expect, it } from 'vitest';
import type { ChatNotificationSettings } from '$lib/chat/protocol';
import { shouldNotify } from './notifications';

const settings: ChatNotificationSettings = {
	browser: true,
	kinds: { direct: true, group: true, care_team: true, patient_care: false, patient_appointments: true }
};

describe('shouldNotify', () => {
	const base = { pageHidden: true, settings, permission: 'granted' as const, kind: 'direct' as const };

	it('notifies only in the background, when the person enabled it and the browser allows it', () => {
		expect(shouldNotify(base)).toBe(true);
		expect(shouldNotify({ ...base, pageHidden: false })).toBe(false);
		expect(shouldNotify({ ...base, permission: 'default' })).toBe(false);
		expect(shouldNotify({ ...base, permission: 'unsupported' })).toBe(false);
		expect(shouldNotify({ ...base, settings: { ...settings, browser: false } })).toBe(false);
		expect(shouldNotify({ ...base, settings: null })).toBe(false);
	});

	it('respects the conversation kinds the person turned off', () => {
		expect(shouldNotify({ ...base, kind: 'patient_care' })).toBe(false);
	});
});
