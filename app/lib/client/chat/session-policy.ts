/**
 * When this device starts a new sending session in a conversation instead of reusing its
 * current one. Pure, so the security-relevant decisions are tested on their own:
 * - the conversation's key epoch moved past the session's (a member or device was removed): the
 *   removed party holds the old key, so it must not encrypt anything new;
 * - a device the key was shared with is no longer a member's signed device: same reason, even
 *   before the epoch change reaches this tab;
 * - the session is old or long (bounds what one leaked key opens, as Megolm does).
 * Devices that appeared since are given the existing key from the next index on (share-more).
 */
import type { ChatErrorCode } from '$lib/chat/protocol';

export const sessionLimits = { maxMessages: 1_000, maxAgeMs: 7 * 24 * 60 * 60 * 1000 } as const;

export interface SessionState {
	keyEpoch: number;
	sharedWith: readonly string[];
	createdAt: number;
	messageCount: number;
}

export type SessionPlan =
	| { action: 'create'; reason: 'none' | 'epoch' | 'device-removed' | 'age' | 'count' }
	| { action: 'reuse'; shareWith: string[] };

export function planSession(session: SessionState | null, conversationEpoch: number, memberDeviceIds: readonly string[], now = Date.now()): SessionPlan {
	if (!session) return { action: 'create', reason: 'none' };
	if (session.keyEpoch < conversationEpoch) return { action: 'create', reason: 'epoch' };
	const current = new Set(memberDeviceIds);
	if (session.sharedWith.some((deviceId) => !current.has(deviceId))) return { action: 'create', reason: 'device-removed' };
	if (session.messageCount >= sessionLimits.maxMessages) return { action: 'create', reason: 'count' };
	if (now - session.createdAt >= sessionLimits.maxAgeMs) return { action: 'create', reason: 'age' };
	const shared = new Set(session.sharedWith);
	return { action: 'reuse', shareWith: memberDeviceIds.filter((deviceId) => !shared.has(deviceId)) };
}

/**
 * What a refused send means for the next attempt. Only one retry, with a new session shared
 * with the current members: a second refusal is shown to the person rather than looping.
 * 'replay' covers another tab of this browser that sent with the same session meanwhile.
 */
export function afterSendRefusal(code: ChatErrorCode | 'timeout', attempt: number): 'rotate-and-retry' | 'fail' {
	if (attempt > 0) return 'fail';
	return code === 'stale_session' || code === 'unknown_session' || code === 'replay' ? 'rotate-and-retry' : 'fail';
}
