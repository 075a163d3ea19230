/**
 * Authenticator apps (TOTP, RFC 6238: 30-second steps, 6 digits, SHA-1 as every app expects),
 * as Lucia's guide builds it with @oslojs/otp. The 20-byte key is sealed with the server's
 * key (AES-256-GCM) before it is stored; a code is accepted one step either side of now and
 * never twice (last_used_step).
 */
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import QRCode from 'qrcode';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import type { Database } from '../../../../db/client';
import { recoveryCodes, totpCredentials, type TotpCredential } from '../../../../db/schema/index';
import type { DocumentCipher } from '../documents/cipher';
import { recordAuditEvent, type AuditSubject } from '../audit/audit-log';
import type { Actor } from '../access/actor';
import { replaceRecoveryCodes } from './recovery-codes';

export const totpStepSeconds = 30;
export const totpDigits = 6;

export interface TotpStatus {
	/** Set up and proven with a code. */
	confirmed: boolean;
	/** A key was generated but not yet confirmed. */
	pending: boolean;
}

export async function totpStatus(db: Database, userId: string): Promise<TotpStatus> {
	const [row] = await db.select({ confirmedAt: totpCredentials.confirmedAt }).from(totpCredentials).where(eq(totpCredentials.userId, userId));
	return { confirmed: !!row?.confirmedAt, pending: !!row && !row.confirmedAt };
}

export async function hasConfirmedTotp(db: Database, userId: string): Promise<boolean> {
	return (await totpStatus(db, userId)).confirmed;
}

function openKey(cipher: DocumentCipher, row: TotpCredential): Uint8Array {
	return cipher.open({ keyId: row.keyId, nonce: row.nonce, ciphertext: row.sealedSecret });
}

/**
 * Starts (or restarts) enrolment with a fresh key. Refused while a confirmed app is set up:
 * the person turns it off first (with their password), so a stolen session cannot swap it.
 */
export async function beginTotpEnrolment(db: Database, cipher: DocumentCipher, actor: Actor): Promise<{ ok: true } | { ok: false; message: string }> {
	if (await hasConfirmedTotp(db, actor.userId)) return { ok: false, message: 'An authenticator app is already set up. Turn it off first to set up a different one.' };
	const key = new Uint8Array(20);
	crypto.getRandomValues(key);
	const sealed = cipher.seal(key);
	const values = { keyId: sealed.keyId, nonce: sealed.nonce, sealedSecret: sealed.ciphertext, confirmedAt: null, lastUsedStep: null, createdAt: new Date() };
	await db
		.insert(totpCredentials)
		.values({ userId: actor.userId, ...values })
		.onConflictDoUpdate({ target: totpCredentials.userId, set: values, where: isNull(totpCredentials.confirmedAt) });
	await recordAuditEvent(db, actor, { action: 'mfa.enrol', outcome: 'success', resourceType: 'user', resourceId: actor.userId, reason: 'authenticator app' });
	return { ok: true };
}

export interface EnrolmentDetails {
	/** Base32, in groups of four, for typing into the app by hand. */
	secret: string;
	/** otpauth:// URI the QR code holds. */
	uri: string;
	/** data:image/svg+xml;base64,… of the QR code. */
	qrDataUri: string;
}

/** What the enrolment page shows while a key waits for confirmation; null when none waits. */
export async function pendingEnrolmentDetails(
	db: Database,
	cipher: DocumentCipher,
	user: { id: string; email: string },
	issuer: string
): Promise<EnrolmentDetails | null> {
	const [row] = await db.select().from(totpCredentials).where(and(eq(totpCredentials.userId, user.id), isNull(totpCredentials.confirmedAt)));
	if (!row) return null;
	const key = openKey(cipher, row);
	const uri = createTOTPKeyURI(issuer, user.email, key, totpStepSeconds, totpDigits);
	const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
	return {
		secret: encodeBase32UpperCaseNoPadding(key).replace(/(.{4})(?=.)/g, '$1 '),
		uri,
		qrDataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
	};
}

function currentStep(now = Date.now()): number {
	return Math.floor(now / 1000 / totpStepSeconds);
}

/** The step (of now−1, now, now+1) the code belongs to, or null. */
function matchingStep(key: Uint8Array, code: string, now = Date.now()): number | null {
	if (!/^\d{6}$/.test(code)) return null;
	const typed = new TextEncoder().encode(code);
	const step = currentStep(now);
	let found: number | null = null;
	// Every candidate is computed and compared, so timing says nothing about which matched.
	for (const candidate of [step - 1, step, step + 1]) {
		if (constantTimeEqual(new TextEncoder().encode(generateHOTP(key, BigInt(candidate), totpDigits)), typed)) found = candidate;
	}
	return found;
}

/**
 * Checks a code against a credential and, when right, records its step so the same code (or an
 * older one) is refused afterwards; the conditional update makes two simultaneous uses of one
 * code succeed once.
 */
async function acceptCode(db: Database, cipher: DocumentCipher, row: TotpCredential, code: string): Promise<boolean> {
	const step = matchingStep(openKey(cipher, row), code.replace(/\s+/g, ''));
	if (step === null) return false;
	const updated = await db
		.update(totpCredentials)
		.set({ lastUsedStep: step, ...(row.confirmedAt ? {} : { confirmedAt: new Date() }) })
		.where(and(eq(totpCredentials.userId, row.userId), or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, step))))
		.returning({ userId: totpCredentials.userId });
	return updated.length === 1;
}

/**
 * Finishes enrolment with a code from the app. On success returns the ten recovery codes,
 * which are shown once and stored only hashed.
 */
export async function confirmTotpEnrolment(
	db: Database,
	cipher: DocumentCipher,
	actor: Actor,
	code: string
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; message: string }> {
	const [row] = await db.select().from(totpCredentials).where(and(eq(totpCredentials.userId, actor.userId), isNull(totpCredentials.confirmedAt)));
	if (!row) return { ok: false, message: 'Start setting up an authenticator app first.' };
	if (!(await acceptCode(db, cipher, row, code))) {
		await recordAuditEvent(db, actor, { action: 'mfa.verify_failed', outcome: 'failure', resourceType: 'user', resourceId: actor.userId, reason: 'enrolment code' });
		return { ok: false, message: 'That code did not match. Check the time on your phone is right, and enter the 6-digit code the app shows now.' };
	}
	const codes = await replaceRecoveryCodes(db, actor.userId);
	await recordAuditEvent(db, actor, { action: 'mfa.confirm', outcome: 'success', resourceType: 'user', resourceId: actor.userId, reason: 'authenticator app' });
	return { ok: true, recoveryCodes: codes };
}

/** A code from the user's confirmed app, once. Used at sign-in. */
export async function verifyTotpCode(db: Database, cipher: DocumentCipher, userId: string, code: string): Promise<boolean> {
	const [row] = await db.select().from(totpCredentials).where(eq(totpCredentials.userId, userId));
	if (!row?.confirmedAt) return false;
	return acceptCode(db, cipher, row, code);
}

/** Removes the app and the recovery codes. The caller has checked the password. */
export async function disableTotp(db: Database, subject: AuditSubject & { userId: string }): Promise<void> {
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await tx.delete(totpCredentials).where(eq(totpCredentials.userId, subject.userId));
		await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, subject.userId));
		await recordAuditEvent(tx, subject, { action: 'mfa.disable', outcome: 'success', resourceType: 'user', resourceId: subject.userId, reason: 'authenticator app' });
	});
}

/** New recovery codes (the old ones stop working). The caller has checked the password. */
export async function regenerateRecoveryCodes(db: Database, actor: Actor): Promise<string[]> {
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const codes = await replaceRecoveryCodes(tx, actor.userId);
		await recordAuditEvent(tx, actor, { action: 'mfa.recovery_codes_regenerated', outcome: 'success', resourceType: 'user', resourceId: actor.userId });
		return codes;
	});
}

/** Drops a key that was generated but never confirmed. */
export async function cancelTotpEnrolment(db: Database, userId: string): Promise<void> {
	await db.delete(totpCredentials).where(and(eq(totpCredentials.userId, userId), isNull(totpCredentials.confirmedAt)));
}
