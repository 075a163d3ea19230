import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { staffRoles } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { changeAccountRole, deactivateAccount, reactivateAccount, unlockAccount } from '$lib/server/admin/account-changes';
import { getAccount } from '$lib/server/admin/accounts';
import { AdminRuleViolation, requireClinicManager } from '$lib/server/admin/guard';
import { roleLabels, staffRoleOptions } from '$lib/server/admin/role-labels';
import type { AuditAction } from '$lib/server/audit/audit-log';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const notices: Record<string, string> = {
	invited: 'Invitation sent. The link in it works once, for one hour.',
	deactivated: 'Account deactivated. Every session it had was signed out.',
	reactivated: 'Account reactivated. The person can sign in again.',
	role: 'Role changed. It applies from their next page.',
	unlocked: 'Account unlocked. The person can sign in again.'
};

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	try {
		if (!fields.uuid.safeParse(params.userId).success) {
			await requireClinicManager(getRuntime().database.db, actor, 'user.list');
			error(404, 'There is no account at this address. Find it in the account list.');
		}
		const account = await getAccount(getRuntime().database.db, actor, params.userId);
		return { account, notice: notices[url.searchParams.get('done') ?? ''] ?? null, roleOptions: staffRoleOptions, roleLabels };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can manage accounts.');
		if (cause instanceof NotFound) error(404, 'There is no account at this address. Find it in the account list.');
		throw cause;
	}
};

type Outcome = { ok: true; actor: NonNullable<App.Locals['actor']> } | { ok: false; status: 403 | 404 };

/** Every action: signed in, an administrator (audited if not), and an account id that can exist. */
async function guard({ locals, params }: RequestEvent, action: AuditAction): Promise<Outcome> {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	try {
		await requireClinicManager(getRuntime().database.db, actor, action);
	} catch (cause) {
		if (cause instanceof AccessDenied) return { ok: false, status: 403 };
		throw cause;
	}
	if (!fields.uuid.safeParse(params.userId).success) return { ok: false, status: 404 };
	return { ok: true, actor };
}

const refusal = (status: 403 | 404) =>
	fail(status, { errors: { form: status === 403 ? 'Only clinic administrators can change accounts.' : 'There is no account at this address.' }, values: {} });

/** The domain's refusals, as the page shows them. */
function failure(cause: unknown) {
	if (cause instanceof AdminRuleViolation) return fail(409, { errors: { form: cause.message }, values: {} });
	if (cause instanceof NotFound) return fail(404, { errors: { form: 'There is no account at this address.' }, values: {} });
	if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'Only clinic administrators can change accounts.' }, values: {} });
	throw cause;
}

const roleSchema = z.object({ role: z.enum(staffRoles, { error: 'Choose one of the staff roles.' }) });

export const actions: Actions = {
	deactivate: async (event) => {
		const guarded = await guard(event, 'user.deactivate');
		if (!guarded.ok) return refusal(guarded.status);
		try {
			await deactivateAccount(getRuntime().database.db, guarded.actor, event.params.userId);
		} catch (cause) {
			return failure(cause);
		}
		redirect(303, `/admin/users/${event.params.userId}?done=deactivated`);
	},
	reactivate: async (event) => {
		const guarded = await guard(event, 'user.reactivate');
		if (!guarded.ok) return refusal(guarded.status);
		try {
			await reactivateAccount(getRuntime().database.db, guarded.actor, event.params.userId);
		} catch (cause) {
			return failure(cause);
		}
		redirect(303, `/admin/users/${event.params.userId}?done=reactivated`);
	},
	changeRole: async (event) => {
		const guarded = await guard(event, 'user.role_change');
		if (!guarded.ok) return refusal(guarded.status);
		const form = await parseFormData(event.request, roleSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		try {
			await changeAccountRole(getRuntime().database.db, guarded.actor, event.params.userId, form.data.role);
		} catch (cause) {
			return failure(cause);
		}
		redirect(303, `/admin/users/${event.params.userId}?done=role`);
	},
	unlock: async (event) => {
		const guarded = await guard(event, 'user.unlock');
		if (!guarded.ok) return refusal(guarded.status);
		try {
			await unlockAccount(getRuntime().database.db, guarded.actor, event.params.userId);
		} catch (cause) {
			return failure(cause);
		}
		redirect(303, `/admin/users/${event.params.userId}?done=unlocked`);
	}
};
