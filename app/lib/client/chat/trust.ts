/**
 * Trust on first use of a person's identity key: the first key seen is pinned; a different key
 * later (a reset, or a server swapping keys) raises a warning until the person compares safety
 * numbers again and re-verifies, which pins the new key. Pure; the key store keeps the records.
 */
import type { TrustRecord } from './key-store';

export interface TrustOutcome {
	record: TrustRecord;
	/** The record changed and must be stored. */
	changed: boolean;
	/** The key seen is not the pinned one and was not re-verified. */
	warning: boolean;
}

export function observeIdentity(existing: TrustRecord | null, userId: string, identityKey: string, verifiedByServer = false): TrustOutcome {
	if (!existing) {
		return { record: { userId, identityKey, verified: verifiedByServer, changedTo: null }, changed: true, warning: false };
	}
	if (existing.identityKey === identityKey) {
		// Back to the pinned key (a swap undone): the warning goes.
		if (existing.changedTo !== null) return { record: { ...existing, changedTo: null }, changed: true, warning: false };
		return { record: existing, changed: false, warning: false };
	}
	if (existing.changedTo === identityKey) return { record: existing, changed: false, warning: true };
	return { record: { ...existing, changedTo: identityKey }, changed: true, warning: true };
}

/** The person compared safety numbers for `identityKey`: pin it, verified. */
export function verifyIdentity(userId: string, identityKey: string): TrustRecord {
	return { userId, identityKey, verified: true, changedTo: null };
}
