import { error, fail, redirect } from '@sveltejs/kit';
import { AccessDenied } from '$lib/server/access/errors';
import { ChatRefusal } from '$lib/server/messaging/errors';
import { listViewOnlyThreads, setViewOnlyRolesForPatient } from '$lib/server/messaging/conversations';
import { searchPatients } from '$lib/server/patients/search';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * View-only access to patient threads: an administrator lets a role read (never write) one of a
 * patient's threads — billing on the appointments thread, an administrator on a care thread. The
 * access rules still decide: a role a clinical thread never admits gains nothing.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	const { db } = getRuntime().database;
	const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
	try {
		const threads = await listViewOnlyThreads(db, actor);
		const hits = q ? (await searchPatients(db, actor, { text: q, page: 1 })).hits.slice(0, 20) : [];
		return {
			threads,
			q,
			hits: hits.map((h) => ({ id: h.id, name: `${h.givenName} ${h.familyName}`, mrn: h.mrn, birthDate: h.birthDate })),
			saved: url.searchParams.get('saved') === '1'
		};
	} catch (cause) {
		if ((cause instanceof ChatRefusal && cause.code === 'forbidden') || cause instanceof AccessDenied) {
			error(403, 'Only clinic administrators can manage view-only access.');
		}
		throw cause;
	}
};

export const actions: Actions = {
	save: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, { error: 'The form could not be read. Reload the page and try again.' });
		}
		const text = (name: string) => {
			const value = form.get(name);
			return typeof value === 'string' ? value : undefined;
		};
		const input = { patientId: text('patientId'), kind: text('kind'), roles: form.getAll('roles').filter((r) => typeof r === 'string') };
		try {
			await setViewOnlyRolesForPatient(getRuntime().database.db, actor, input);
		} catch (cause) {
			if (!(cause instanceof ChatRefusal)) throw cause;
			return fail(cause.code === 'forbidden' ? 403 : cause.code === 'not_found' ? 404 : 400, { error: cause.message });
		}
		redirect(303, '/admin/messaging/view-only?saved=1');
	}
};
