/**
 * Shared by the scheduling admin pages: the guard ('schedule.manage'), the list of every
 * provider (with or without hours yet) and the answer to a refused change.
 */
import { error, fail, redirect } from '@sveltejs/kit';
import { asc } from 'drizzle-orm';
import type { Database } from '../../../../../db/client';
import { practitioners } from '../../../../../db/schema/index';
import type { Actor } from '$lib/server/access/actor';
import { roleMay } from '$lib/server/access/policy';
import { practitionerDisplayName } from '$lib/server/scheduling/slots';
import { problemOf } from '../../../api/schedule/schedule-http.server';

export const manageRefusal = 'Only clinic administrators and the front desk can change scheduling settings.';

/** The page's guard: signed in, with 'schedule.manage'. */
export function requireScheduleManager(locals: App.Locals): Actor {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!roleMay(actor.role, 'schedule.manage')) error(403, manageRefusal);
	return actor;
}

/** An action's guard: the same, answered as a form failure. */
export function actionActor(locals: App.Locals): Actor | null {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	return roleMay(actor.role, 'schedule.manage') ? actor : null;
}

export async function listAllProviders(db: Database): Promise<{ id: string; name: string; specialty: string }[]> {
	const rows = await db.select().from(practitioners).orderBy(asc(practitioners.familyName), asc(practitioners.givenName));
	return rows.map((p) => ({ id: p.id, name: practitionerDisplayName(p), specialty: p.specialty }));
}

/** Runs a change; a refusal becomes `fail(status, { form, error })`, anything else is rethrown. */
export async function attemptChange<T>(form: string, run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: ReturnType<typeof fail> }> {
	try {
		return { ok: true, value: await run() };
	} catch (cause) {
		const known = problemOf(cause);
		if (!known) throw cause;
		return { ok: false, failure: fail(known.status, { form, error: known.error }) };
	}
}
