import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Database } from '../../../../db/client';
import { oneTimeTokens, type OneTimeTokenPurpose } from '../../../../db/schema/index';

/** How long each kind of token lives. Links: 1 hour; emailed codes: 10 minutes. */
export const tokenLifetimesMs: Record<OneTimeTokenPurpose, number> = {
	invitation: 60 * 60_000,
	password_reset: 60 * 60_000,
	email_sign_in_code: 10 * 60_000,
	mfa_pending: 10 * 60_000
};

/** Wrong guesses allowed against one short code before it is spent. */
export const maxCodeAttempts = 5;

export function hashToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** A long random token for links (160 bits). */
export function generateLinkToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** A 6-digit code for email; bounded by maxCodeAttempts and a 10-minute life. */
export function generateNumericCode(): string {
	const n = new Uint32Array(1);
	crypto.getRandomValues(n);
	return String(n[0]! % 1_000_000).padStart(6, '0');
}

/**
 * Stores the hash of a new token for a user and purpose; earlier unused tokens of the same
 * purpose are spent, so only the newest link or code works.
 */
export async function issueToken(db: Database, userId: string, purpose: OneTimeTokenPurpose, token: string): Promise<Date> {
	const expiresAt = new Date(Date.now() + tokenLifetimesMs[purpose]);
	await db
		.update(oneTimeTokens)
		.set({ usedAt: new Date() })
		.where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)));
	// Codes are per user, so the hash covers the user too: two people may get the same six digits.
	await db.insert(oneTimeTokens).values({ userId, purpose, tokenHash: hashToken(`${purpose}:${userId}:${token}`), expiresAt });
	return expiresAt;
}

/** Marks a link token used and returns its user, once; null when unknown, expired or used. */
export async function consumeLinkToken(db: Database, purpose: OneTimeTokenPurpose, userId: string, token: string): Promise<boolean> {
	const rows = await db
		.update(oneTimeTokens)
		.set({ usedAt: new Date() })
		.where(
			and(
				eq(oneTimeTokens.tokenHash, hashToken(`${purpose}:${userId}:${token}`)),
				eq(oneTimeTokens.purpose, purpose),
				isNull(oneTimeTokens.usedAt),
				gt(oneTimeTokens.expiresAt, new Date())
			)
		)
		.returning({ id: oneTimeTokens.id });
	return rows.length === 1;
}

/**
 * Checks a short code for a user: right → spent, true; wrong → one attempt counted, and the
 * code is spent after maxCodeAttempts wrong tries.
 */
export async function consumeCode(db: Database, purpose: OneTimeTokenPurpose, userId: string, code: string): Promise<boolean> {
	if (await consumeLinkToken(db, purpose, userId, code)) return true;
	await db
		.update(oneTimeTokens)
		.set({
			attempts: sql`${oneTimeTokens.attempts} + 1`,
			usedAt: sql`case when ${oneTimeTokens.attempts} + 1 >= ${maxCodeAttempts} then now() else null end`
		})
		.where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)));
	return false;
}

/** True when the token is live (unused, unexpired), without spending it: a link's page may be looked at first. */
export async function isLinkTokenLive(db: Database, purpose: OneTimeTokenPurpose, userId: string, token: string): Promise<boolean> {
	const rows = await db
		.select({ id: oneTimeTokens.id })
		.from(oneTimeTokens)
		.where(
			and(
				eq(oneTimeTokens.tokenHash, hashToken(`${purpose}:${userId}:${token}`)),
				eq(oneTimeTokens.purpose, purpose),
				eq(oneTimeTokens.userId, userId),
				isNull(oneTimeTokens.usedAt),
				gt(oneTimeTokens.expiresAt, new Date())
			)
		);
	return rows.length === 1;
}

/** True when the user has any live token of the purpose (an emailed code is waiting to be entered). */
export async function hasLiveToken(db: Database, purpose: OneTimeTokenPurpose, userId: string): Promise<boolean> {
	const rows = await db
		.select({ id: oneTimeTokens.id })
		.from(oneTimeTokens)
		.where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, new Date())))
		.limit(1);
	return rows.length === 1;
}

/** Spends every live token of a purpose for a user (a password change voids outstanding reset links). */
export async function revokeTokens(db: Database, userId: string, purpose: OneTimeTokenPurpose): Promise<void> {
	await db
		.update(oneTimeTokens)
		.set({ usedAt: new Date() })
		.where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)));
}

/**
 * Splits a link's "<userId>.<token>" part; null when it is not that shape, so a mangled link is
 * answered as "not valid" without a query error.
 */
export function parseLinkParam(value: string): { userId: string; token: string } | null {
	const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z2-7]{16,64})$/.exec(value);
	return match ? { userId: match[1]!, token: match[2]! } : null;
}
