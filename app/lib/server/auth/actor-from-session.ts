import type { Database } from '../../../../db/client';
import type { Actor } from '../access/actor';
import { validateSessionToken, sessionIdFromToken } from './session';

export interface ResolvedActor {
	actor: Actor;
	/** True when the session's expiry moved forward and the cookie should be re-sent. */
	extended: boolean;
	expiresAt: Date;
}

/**
 * Session token → Actor. The same function serves page requests, the collaboration server and
 * socket.io, so all three know a person the same way.
 */
export async function resolveActor(
	db: Database,
	token: string | undefined,
	ttlMs: number,
	request: { sourceAddress: string | null; requestId: string | null }
): Promise<ResolvedActor | null> {
	if (!token) return null;
	const before = Date.now();
	const { session, user } = await validateSessionToken(db, token, ttlMs);
	if (!session) return null;
	return {
		actor: {
			userId: user.id,
			role: user.role,
			displayName: user.displayName,
			practitionerId: user.practitionerId,
			patientId: user.patientId,
			sessionId: sessionIdFromToken(token),
			sourceAddress: request.sourceAddress,
			requestId: request.requestId
		},
		// Extending sets expiresAt to (now + ttl); last_seen_at alone also moves once a minute.
		extended: session.expiresAt.getTime() >= before + ttlMs,
		expiresAt: session.expiresAt
	};
}
