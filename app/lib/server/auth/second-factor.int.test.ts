import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { generateTOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, clinics, outboxMessages, recoveryCodes, sessions, totpCredentials, users, type OutboxEmail, type User } from '../../../../db/schema/index';
import { createDocumentCipher } from '../documents/cipher';
import type { Actor } from '../access/actor';
import { hashPassword } from './password';
import { signIn, type SignInResult } from './sign-in';
import { completeSecondFactor, readPendingSignIn } from './second-factor';
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp, pendingEnrolmentDetails, totpStatus } from './totp';
import { remainingRecoveryCodes } from './recovery-codes';
import { maxFailedSignIns } from './lockout';
import { validateSessionToken } from './session';

const hourMs = 3600_000;
const password = 'lantern orbit kettle';
const context = { sessionTtlMs: hourMs, origin: 'https://clinic.example', sourceAddress: '127.0.0.1' };
const cipher = createDocumentCipher(randomBytes(32));

function actorOf(user: User): Actor {
	return { userId: user.id, role: user.role, displayName: user.displayName, practitionerId: null, patientId: null, sessionId: 'none', sourceAddress: '127.0.0.1', requestId: null };
}

function pendingOf(result: SignInResult): string {
	if (!result.ok || result.stage !== 'second_factor') throw new Error(`expected a second step, got ${JSON.stringify(result.ok ? result.stage : result.reason)}`);
	return result.pendingCookieValue;
}

/** The code an authenticator app would show now, from the secret the enrolment page shows. */
function appCode(secret: string, offsetSteps = 0): string {
	if (offsetSteps === 0) return generateTOTP(decodeBase32IgnorePadding(secret.replace(/\s+/g, '')), 30, 6);
	// An app whose clock is off by whole steps.
	const realNow = Date.now;
	Date.now = () => realNow() + offsetSteps * 30_000;
	try {
		return generateTOTP(decodeBase32IgnorePadding(secret.replace(/\s+/g, '')), 30, 6);
	} finally {
		Date.now = realNow;
	}
}

describe.each(testDatabaseKinds)('second factor at sign-in (%s)', (kind) => {
	let t: TestDatabase;
	let nurse: User;
	let patient: User;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		// The default policy: staff roles must pass a second factor.
		await t.db.insert(clinics).values({ name: 'Lakeside Clinic', timeZone: 'UTC' });
		const hash = await hashPassword(password);
		[nurse] = await t.db.insert(users).values({ email: 'nurse@lakeside.example', displayName: 'Nina Nurse', passwordHash: hash, role: 'nurse' }).returning() as [User];
		[patient] = await t.db.insert(users).values({ email: 'pat@example.org', displayName: 'Pat Patient', passwordHash: hash, role: 'patient' }).returning() as [User];
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('signs a patient in with the password alone while they have no app', async () => {
		const result = await signIn(t.db, { email: patient.email, password }, context);
		expect(result).toMatchObject({ ok: true, stage: 'signed_in' });
	});

	it('enrols an authenticator app: sealed key, QR code, confirmation by a code, ten recovery codes', async () => {
		const actor = actorOf(patient);
		expect(await beginTotpEnrolment(t.db, cipher, actor)).toEqual({ ok: true });
		const details = (await pendingEnrolmentDetails(t.db, cipher, patient, 'Lakeside Clinic'))!;
		expect(details.qrDataUri).toMatch(/^data:image\/svg\+xml;base64,/);
		expect(Buffer.from(details.qrDataUri.split(',')[1]!, 'base64').toString()).toContain('<svg');
		expect(details.uri).toMatch(/^otpauth:\/\/totp\/Lakeside%20Clinic:pat%40example\.org\?/);
		const [stored] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, patient.id));
		const rawKey = decodeBase32IgnorePadding(details.secret.replace(/\s+/g, ''));
		expect(rawKey).toHaveLength(20);
		expect(Buffer.from(stored!.sealedSecret).includes(Buffer.from(rawKey))).toBe(false);

		expect(await confirmTotpEnrolment(t.db, cipher, actor, '000000')).toMatchObject({ ok: false });
		const confirmed = await confirmTotpEnrolment(t.db, cipher, actor, appCode(details.secret));
		if (!confirmed.ok) throw new Error(confirmed.message);
		expect(confirmed.recoveryCodes).toHaveLength(10);
		expect(new Set(confirmed.recoveryCodes).size).toBe(10);
		const storedCodes = await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, patient.id));
		expect(storedCodes.map((c) => c.codeHash)).not.toContain(confirmed.recoveryCodes[0]);
		expect(await totpStatus(t.db, patient.id)).toEqual({ confirmed: true, pending: false });
		// A confirmed app cannot be swapped without turning it off first.
		expect(await beginTotpEnrolment(t.db, cipher, actor)).toMatchObject({ ok: false });
		(globalThis as Record<string, unknown>).__secret = details.secret;
		(globalThis as Record<string, unknown>).__codes = confirmed.recoveryCodes;
	});

	it('then asks for a TOTP code; a code from the app signs in once, and the same code replayed is refused', async () => {
		const secret = (globalThis as Record<string, unknown>).__secret as string;
		// The enrolment used the current step, so wait for the next step's code: the app's next one.
		const first = await signIn(t.db, { email: patient.email, password }, context);
		const pending = pendingOf(first);
		expect(await readPendingSignIn(t.db, pending)).toMatchObject({ hasTotp: true, emailCodeWaiting: false });
		const code = appCode(secret, 1); // a phone clock one step ahead is within tolerance
		const ok = await completeSecondFactor(t.db, cipher, pending, code, context);
		if (!ok.ok) throw new Error(ok.message);
		expect(ok.method).toBe('totp');
		expect((await validateSessionToken(t.db, ok.token, hourMs)).user?.id).toBe(patient.id);
		// The pending token is spent.
		expect(await completeSecondFactor(t.db, cipher, pending, code, context)).toMatchObject({ ok: false, reason: 'expired' });
		// Replay: a fresh password step, the same code again.
		const again = pendingOf(await signIn(t.db, { email: patient.email, password }, context));
		expect(await completeSecondFactor(t.db, cipher, again, code, context)).toMatchObject({ ok: false, reason: 'invalid' });
		// An older code (the current step, below the one used) is refused too.
		expect(await completeSecondFactor(t.db, cipher, again, appCode(secret), context)).toMatchObject({ ok: false, reason: 'invalid' });
		const replays = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'mfa.verify_failed'), eq(auditEvents.actorUserId, patient.id)));
		expect(replays.length).toBeGreaterThanOrEqual(2);
	});

	it('accepts a recovery code once, then never again', async () => {
		await t.db.update(users).set({ failedSignIns: 0 }).where(eq(users.id, patient.id));
		const codes = (globalThis as Record<string, unknown>).__codes as string[];
		const pending = pendingOf(await signIn(t.db, { email: patient.email, password }, context));
		const used = await completeSecondFactor(t.db, cipher, pending, codes[3]!.toUpperCase(), context);
		expect(used).toMatchObject({ ok: true, method: 'recovery_code' });
		expect(await remainingRecoveryCodes(t.db, patient.id)).toBe(9);
		const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'mfa.recovery_code_used'));
		expect(audit).toHaveLength(1);
		const next = pendingOf(await signIn(t.db, { email: patient.email, password }, context));
		expect(await completeSecondFactor(t.db, cipher, next, codes[3]!, context)).toMatchObject({ ok: false, reason: 'invalid' });
	});

	it('requires the second factor of a staff role by clinic policy, by an emailed code when there is no app', async () => {
		const result = await signIn(t.db, { email: nurse.email, password }, context);
		const pending = pendingOf(result);
		expect(result).toMatchObject({ hasTotp: false });
		expect(await t.db.select().from(sessions).where(eq(sessions.userId, nurse.id))).toHaveLength(0);
		const [email] = await t.db.select().from(outboxMessages).where(and(eq(outboxMessages.recipient, nurse.email), eq(outboxMessages.topic, 'sign_in_code')));
		const code = /code is (\d{6})/.exec((email!.payload as OutboxEmail).text)![1]!;
		const wrong = code === '123456' ? '654321' : '123456';
		expect(await completeSecondFactor(t.db, cipher, pending, wrong, context)).toMatchObject({ ok: false, reason: 'invalid' });
		const done = await completeSecondFactor(t.db, cipher, pending, code, context);
		expect(done).toMatchObject({ ok: true, method: 'email_code', suggestTotpSetup: true });
		// Success forgets the failure.
		const [after] = await t.db.select().from(users).where(eq(users.id, nurse.id));
		expect(after!.failedSignIns).toBe(0);
	});

	it('lets a policy-only person in with the password when the server cannot send email, and says so in the audit trail', async () => {
		const result = await signIn(t.db, { email: nurse.email, password }, { ...context, emailCodesDeliverable: false });
		expect(result).toMatchObject({ ok: true, stage: 'signed_in', setUpMfa: true });
		const [audit] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'session.sign_in'), eq(auditEvents.actorUserId, nurse.id), eq(auditEvents.reason, 'second factor required, but email is not configured: password only')));
		expect(audit).toBeDefined();
		// Someone with an app still needs its code.
		expect(await signIn(t.db, { email: patient.email, password }, { ...context, emailCodesDeliverable: false })).toMatchObject({ ok: true, stage: 'second_factor' });
	});

	it('counts wrong codes toward the lockout, and re-entering the password does not reset the count', async () => {
		let pending = pendingOf(await signIn(t.db, { email: nurse.email, password }, context));
		for (let i = 0; i < maxFailedSignIns - 1; i++) {
			if (i === 2) pending = pendingOf(await signIn(t.db, { email: nurse.email, password }, context));
			expect(await completeSecondFactor(t.db, cipher, pending, '99999' + i, context)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		const last = await completeSecondFactor(t.db, cipher, pending, '999990', context);
		expect(last).toMatchObject({ ok: false, reason: 'locked' });
		expect(await signIn(t.db, { email: nurse.email, password }, context)).toMatchObject({ ok: false, reason: 'locked' });
		const lockEmails = await t.db.select().from(outboxMessages).where(and(eq(outboxMessages.recipient, nurse.email), eq(outboxMessages.topic, 'account_locked')));
		expect(lockEmails).toHaveLength(1);
	});

	it('turning the app off removes the key and the recovery codes, and sign-in needs the password only again', async () => {
		await disableTotp(t.db, actorOf(patient));
		expect(await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, patient.id))).toHaveLength(0);
		expect(await signIn(t.db, { email: patient.email, password }, context)).toMatchObject({ ok: true, stage: 'signed_in' });
	});
});
