import { describe, expect, it } from 'vitest';
import { observeIdentity, verifyIdentity } from './trust';

describe('trust on first use', () => {
	it('pins the first identity key seen', () => {
		expect(observeIdentity(null, 'u', 'K1')).toEqual({ record: { userId: 'u', identityKey: 'K1', verified: false, changedTo: null }, changed: true, warning: false });
	});

	it('warns when a different key appears later, and keeps warning until re-verified', () => {
		const pinned = observeIdentity(null, 'u', 'K1').record;
		const changed = observeIdentity(pinned, 'u', 'K2');
		expect(changed).toMatchObject({ changed: true, warning: true, record: { identityKey: 'K1', changedTo: 'K2' } });
		expect(observeIdentity(changed.record, 'u', 'K2')).toMatchObject({ changed: false, warning: true });
		const reverified = verifyIdentity('u', 'K2');
		expect(observeIdentity(reverified, 'u', 'K2')).toMatchObject({ changed: false, warning: false });
	});

	it('a server claiming "verified" does not silence a changed key', () => {
		const pinned = observeIdentity(null, 'u', 'K1').record;
		expect(observeIdentity(pinned, 'u', 'K2', true).warning).toBe(true);
	});

	it('drops the warning when the pinned key comes back', () => {
		const changed = observeIdentity(observeIdentity(null, 'u', 'K1').record, 'u', 'K2').record;
		expect(observeIdentity(changed, 'u', 'K1')).toMatchObject({ changed: true, warning: false, record: { changedTo: null } });
	});
});
