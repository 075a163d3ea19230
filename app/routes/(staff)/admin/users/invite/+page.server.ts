import { error, fail, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { requireClinicManager } from '$lib/server/admin/guard';
import { staffRoleOptions } from '$lib/server/admin/role-labels';
import { inviteStaffMember, staffInvitationSchema } from '$lib/server/admin/staff-invitation';
import { AccountExists } from '$lib/server/auth/invitations';
import { linkOrigin } from '$lib/server/mail/link-origin';
import { parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	try {
		await requireClinicManager(getRuntime().database.db, actor, 'user.invite');
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can invite staff.');
		throw cause;
	}
	return { roleOptions: staffRoleOptions };
};

export const actions: Actions = {
	default: async (event) => {
		const actor = event.locals.actor;
		if (!actor) redirect(303, '/sign-in');
		const { db } = getRuntime().database;
		try {
			await requireClinicManager(db, actor, 'user.invite');
		} catch (cause) {
			if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'Only clinic administrators can invite staff.' }, values: {} });
			throw cause;
		}
		const form = await parseFormData(event.request, staffInvitationSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		let userId: string;
		try {
			({ userId } = await inviteStaffMember(db, actor, form.data, { origin: linkOrigin(event) }));
		} catch (cause) {
			if (cause instanceof AccountExists) return fail(409, { errors: { email: 'An account with this email address already exists. Search for it in the account list.' }, values: form.values });
			throw cause;
		}
		redirect(303, `/admin/users/${userId}?done=invited`);
	}
};
