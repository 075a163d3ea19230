import { error, fail, redirect } from '@sveltejs/kit';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { careTeamChangeSchema, careTeamRemovalSchema, getCareTeam, removeCareTeamMember, setCareTeamMember } from '$lib/server/admin/care-teams';
import { requireClinicManager } from '$lib/server/admin/guard';
import { fields, parseFormData } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const notices: Record<string, string> = {
	added: 'Care team updated. The change applies to chart access at once.',
	removed: 'Removed from the care team. Their open views of this chart were closed.'
};

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { db } = getRuntime().database;
	try {
		if (!fields.uuid.safeParse(params.patientId).success) {
			await requireClinicManager(db, actor, 'care_team.change');
			error(404, 'There is no patient at this address. Search for the patient instead.');
		}
		const team = await getCareTeam(db, actor, params.patientId);
		return { team, notice: notices[url.searchParams.get('done') ?? ''] ?? null };
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Only clinic administrators can change care teams.');
		if (cause instanceof NotFound) error(404, 'There is no patient at this address. Search for the patient instead.');
		throw cause;
	}
};

/** Every action: signed in, an administrator (audited if not), and a patient id that can exist. */
async function guard({ locals, params }: RequestEvent) {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	try {
		await requireClinicManager(getRuntime().database.db, actor, 'care_team.change');
	} catch (cause) {
		if (cause instanceof AccessDenied) return { actor: null, refusal: fail(403, { errors: { form: 'Only clinic administrators can change care teams.' }, values: {} }) };
		throw cause;
	}
	if (!fields.uuid.safeParse(params.patientId).success) return { actor: null, refusal: fail(404, { errors: { form: 'There is no patient at this address.' }, values: {} }) };
	return { actor, refusal: null };
}

function failure(cause: unknown, values: Record<string, string>) {
	if (cause instanceof NotFound) return fail(404, { errors: { form: `${cause.message} Reload the page and try again.` }, values });
	if (cause instanceof AccessDenied) return fail(403, { errors: { form: 'Only clinic administrators can change care teams.' }, values });
	throw cause;
}

export const actions: Actions = {
	add: async (event) => {
		const { actor, refusal } = await guard(event);
		if (!actor) return refusal;
		const form = await parseFormData(event.request, careTeamChangeSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		try {
			await setCareTeamMember(getRuntime().database.db, actor, event.params.patientId, form.data.practitionerId, form.data.role);
		} catch (cause) {
			return failure(cause, form.values);
		}
		redirect(303, `/admin/care-teams/${event.params.patientId}?done=added`);
	},
	remove: async (event) => {
		const { actor, refusal } = await guard(event);
		if (!actor) return refusal;
		const form = await parseFormData(event.request, careTeamRemovalSchema);
		if (!form.ok) return fail(400, { errors: form.errors, values: form.values });
		try {
			await removeCareTeamMember(getRuntime().database.db, actor, event.params.patientId, form.data.practitionerId);
		} catch (cause) {
			return failure(cause, form.values);
		}
		redirect(303, `/admin/care-teams/${event.params.patientId}?done=removed`);
	}
};
