import { and, count, eq, isNull } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Database } from '../../../../db/client';
import { recoveryCodes } from '../../../../db/schema/index';

export const recoveryCodeCount = 10;

/** Dashes, spaces and case do not matter when a code is typed back. */
function normalizeCode(code: string): string {
	return code.toLowerCase().replace(/[^a-z2-7]/g, '');
}

/** The hash covers the user too, so the same ten letters for two people are two rows. */
function hashCode(userId: string, code: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(`recovery:${userId}:${normalizeCode(code)}`)));
}

/** "abcde-fghij": 50 random bits, easy to copy down. */
function newCode(): string {
	const bytes = new Uint8Array(10);
	crypto.getRandomValues(bytes);
	const text = encodeBase32LowerCaseNoPadding(bytes).slice(0, 10);
	return `${text.slice(0, 5)}-${text.slice(5)}`;
}

/** Replaces the user's codes with ten new ones and returns them: the only time they exist in clear. */
export async function replaceRecoveryCodes(db: Database, userId: string): Promise<string[]> {
	const codes = Array.from({ length: recoveryCodeCount }, newCode);
	await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
	await db.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashCode(userId, code) })));
	return codes;
}

/** Spends one code; true once per code. */
export async function useRecoveryCode(db: Database, userId: string, code: string): Promise<boolean> {
	if (normalizeCode(code).length !== 10) return false;
	const rows = await db
		.update(recoveryCodes)
		.set({ usedAt: new Date() })
		.where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashCode(userId, code)), isNull(recoveryCodes.usedAt)))
		.returning({ id: recoveryCodes.id });
	return rows.length === 1;
}

export async function remainingRecoveryCodes(db: Database, userId: string): Promise<number> {
	const [row] = await db
		.select({ n: count() })
		.from(recoveryCodes)
		.where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
	return Number(row?.n ?? 0);
}

export function looksLikeRecoveryCode(code: string): boolean {
	return /^[a-z2-7]{5}-?[a-z2-7]{5}$/i.test(code.trim());
}
