import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { breakGlassAccesses, proxyGrants, recordShares, type RecordPart } from '../../../../db/schema/index';

/**
 * The standing grants the access module weighs, each read as "active at `now`": proxy grants,
 * record shares and break-glass accesses. Only patient-access.ts and the modules that manage
 * these grants read them; a grant by itself opens nothing.
 */

export async function activeProxyScopes(db: Database, proxyUserId: string, patientId: string, now = new Date()): Promise<string[]> {
	const rows = await db
		.select({ scopes: proxyGrants.scopes })
		.from(proxyGrants)
		.where(
			and(
				eq(proxyGrants.proxyUserId, proxyUserId),
				eq(proxyGrants.patientId, patientId),
				isNull(proxyGrants.revokedAt),
				or(isNull(proxyGrants.expiresAt), gt(proxyGrants.expiresAt, now))
			)
		);
	return rows.flatMap((r) => r.scopes);
}

export interface ActiveShare {
	id: string;
	parts: RecordPart[];
	expiresAt: Date;
}

/** Shares of this patient's record with this person that are neither revoked nor expired. */
export async function activeSharesFor(db: Database, granteeUserId: string, patientId: string, now = new Date()): Promise<ActiveShare[]> {
	return db
		.select({ id: recordShares.id, parts: recordShares.parts, expiresAt: recordShares.expiresAt })
		.from(recordShares)
		.where(
			and(
				eq(recordShares.granteeUserId, granteeUserId),
				eq(recordShares.patientId, patientId),
				isNull(recordShares.revokedAt),
				gt(recordShares.expiresAt, now)
			)
		)
		.orderBy(recordShares.createdAt);
}

export interface ActiveBreakGlass {
	id: string;
	reason: string;
	startedAt: Date;
	expiresAt: Date;
}

/** This person's emergency access to this patient that has not expired; the latest when several. */
export async function activeBreakGlassFor(db: Database, userId: string, patientId: string, now = new Date()): Promise<ActiveBreakGlass | null> {
	const [row] = await db
		.select({ id: breakGlassAccesses.id, reason: breakGlassAccesses.reason, startedAt: breakGlassAccesses.startedAt, expiresAt: breakGlassAccesses.expiresAt })
		.from(breakGlassAccesses)
		.where(and(eq(breakGlassAccesses.userId, userId), eq(breakGlassAccesses.patientId, patientId), gt(breakGlassAccesses.expiresAt, now)))
		.orderBy(desc(breakGlassAccesses.expiresAt))
		.limit(1);
	return row ?? null;
}
