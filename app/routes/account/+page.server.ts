import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getRuntime } from '$lib/server/platform/runtime';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getClinic } from '$lib/server/clinic/clinic';
import { homePathFor } from '$lib/server/auth/sign-in';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { changePassword, confirmPassword, describeUserAgent, getAccountUser, listSessions, revokeSession, signOutEverywhere } from '$lib/server/auth/account-security';
import { beginTotpEnrolment, cancelTotpEnrolment, confirmTotpEnrolment, disableTotp, pendingEnrolmentDetails, regenerateRecoveryCodes, totpStatus } from '$lib/server/auth/totp';
import { remainingRecoveryCodes } from '$lib/server/auth/recovery-codes';
import { mfaRequirement } from '$lib/server/auth/second-factor';
import type { Actions, PageServerLoad } from './$types';

const passwordOnly = z.object({ password: fields.password });
const changePasswordSchema = z
	.object({
		currentPassword: fields.password,
		newPassword: fields.newPassword,
		repeatPassword: z.string({ error: 'Type the new password again.' }).max(256)
	})
	.refine((v) => v.newPassword === v.repeatPassword, { path: ['repeatPassword'], message: 'The two new passwords are not the same.' });
const codeSchema = z.object({
	code: z
		.string({ error: 'Enter the 6-digit code.' })
		.trim()
		.regex(/^\d{3}\s?\d{3}$/, 'Enter the 6 digits the app shows.')
});
const revokeSchema = z.object({ sessionId: z.string({ error: 'Choose a session.' }).regex(/^[0-9a-f]{64}$/, 'Choose a session from the list.') });
const everywhereSchema = z.object({ confirm: z.literal('everywhere', { error: 'Confirm signing out everywhere.' }) });

const roleNames: Record<string, string> = {
	clinic_admin: 'Clinic administrator',
	physician: 'Physician',
	nurse: 'Nurse',
	front_desk: 'Front desk',
	billing: 'Billing',
	patient: 'Patient',
	proxy: 'Family member or caregiver',
	external: 'Outside collaborator'
};

export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { database, documentCipher } = getRuntime();
	const db = database.db;
	const user = await getAccountUser(db, actor.userId);
	if (!user) error(404, 'Account not found.');
	const clinic = await getClinic(db);
	const timeZone = clinic?.timeZone ?? 'UTC';
	const format = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone });
	const [requirement, status, sessions] = await Promise.all([mfaRequirement(db, user), totpStatus(db, user.id), listSessions(db, actor)]);
	const enrolment = status.pending ? await pendingEnrolmentDetails(db, documentCipher, user, clinic?.name ?? 'ClinicSync') : null;
	return {
		clinicName: clinic?.name ?? 'ClinicSync',
		homeHref: homePathFor(actor.role),
		user: { email: user.email, displayName: user.displayName, role: roleNames[user.role] ?? user.role },
		mfa: {
			requiredByPolicy: requirement.requiredByPolicy,
			confirmed: status.confirmed,
			enrolment: enrolment && { secret: enrolment.secret, qrDataUri: enrolment.qrDataUri },
			recoveryCodesLeft: status.confirmed ? await remainingRecoveryCodes(db, user.id) : 0,
			invited: url.searchParams.get('mfa') === 'setup'
		},
		sessions: sessions.map((s) => ({
			id: s.id,
			device: describeUserAgent(s.userAgent),
			address: s.sourceAddress || 'Unknown',
			createdAt: format.format(s.createdAt),
			lastSeenAt: format.format(s.lastSeenAt),
			current: s.current
		}))
	};
};

export const actions: Actions = {
	changePassword: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, changePasswordSchema);
		if (!form.ok) return fail(400, { section: 'password', errors: form.errors });
		const result = await changePassword(getRuntime().database.db, actor, form.data);
		if (!result.ok) return fail(400, { section: 'password', errors: { [result.field]: result.message } });
		return { section: 'password', message: 'Your password was changed. Every other device was signed out.' };
	},

	startTotp: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, passwordOnly);
		if (!form.ok) return fail(400, { section: 'mfa', errors: { startPassword: form.errors.password ?? 'Enter your password.' } });
		const { database, documentCipher } = getRuntime();
		if (!(await confirmPassword(database.db, actor.userId, form.data.password))) return fail(400, { section: 'mfa', errors: { startPassword: 'That is not your password.' } });
		const result = await beginTotpEnrolment(database.db, documentCipher, actor);
		if (!result.ok) return fail(409, { section: 'mfa', errors: { form: result.message } });
		return { section: 'mfa', message: 'Scan the QR code with your authenticator app, then enter the code it shows.' };
	},

	confirmTotp: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, codeSchema);
		if (!form.ok) return fail(400, { section: 'mfa', errors: form.errors });
		const { database, documentCipher } = getRuntime();
		const result = await confirmTotpEnrolment(database.db, documentCipher, actor, form.data.code.replace(/\s/g, ''));
		if (!result.ok) return fail(400, { section: 'mfa', errors: { code: result.message } });
		return { section: 'mfa', message: 'Your authenticator app is set up. From now on you will enter a code from it when you sign in.', recoveryCodes: result.recoveryCodes };
	},

	cancelTotp: async ({ locals }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		await cancelTotpEnrolment(getRuntime().database.db, actor.userId);
		return { section: 'mfa', message: 'Setting up the authenticator app was cancelled.' };
	},

	disableTotp: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, passwordOnly);
		if (!form.ok) return fail(400, { section: 'mfa', errors: { disablePassword: form.errors.password ?? 'Enter your password.' } });
		const db = getRuntime().database.db;
		if (!(await confirmPassword(db, actor.userId, form.data.password))) return fail(400, { section: 'mfa', errors: { disablePassword: 'That is not your password.' } });
		await disableTotp(db, actor);
		return { section: 'mfa', message: 'The authenticator app was turned off and your recovery codes no longer work.' };
	},

	regenerateCodes: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, passwordOnly);
		if (!form.ok) return fail(400, { section: 'mfa', errors: { codesPassword: form.errors.password ?? 'Enter your password.' } });
		const db = getRuntime().database.db;
		if (!(await confirmPassword(db, actor.userId, form.data.password))) return fail(400, { section: 'mfa', errors: { codesPassword: 'That is not your password.' } });
		if (!(await totpStatus(db, actor.userId)).confirmed) return fail(409, { section: 'mfa', errors: { form: 'Set up an authenticator app first.' } });
		const codes = await regenerateRecoveryCodes(db, actor);
		return { section: 'mfa', message: 'Here are your new recovery codes. The old ones no longer work.', recoveryCodes: codes };
	},

	revokeSession: async ({ locals, request, cookies, url }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, revokeSchema);
		if (!form.ok) return fail(400, { section: 'sessions', errors: { form: form.errors.sessionId ?? 'Choose a session.' } });
		const revoked = await revokeSession(getRuntime().database.db, actor, form.data.sessionId);
		if (!revoked) return fail(404, { section: 'sessions', errors: { form: 'That session has already ended.' } });
		if (form.data.sessionId === actor.sessionId) {
			deleteSessionCookie(cookies, url.protocol === 'https:');
			redirect(303, '/sign-in');
		}
		return { section: 'sessions', message: 'That device was signed out.' };
	},

	signOutEverywhere: async ({ locals, request, cookies, url }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const form = await parseFormData(request, everywhereSchema);
		if (!form.ok) return fail(400, { section: 'sessions', errors: { form: 'Press the button to sign out everywhere.' } });
		await signOutEverywhere(getRuntime().database.db, actor);
		deleteSessionCookie(cookies, url.protocol === 'https:');
		redirect(303, '/sign-in');
	}
};
