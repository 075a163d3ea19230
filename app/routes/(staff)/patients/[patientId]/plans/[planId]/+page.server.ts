import { error, redirect } from '@sveltejs/kit';
import { isClinician, isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { getPlanTracker } from '$lib/server/plans/plans';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/**
 * A treatment plan for the care team: the plan itself comes over the collaboration socket
 * (which authorizes `plan:<id>` again and decides who edits); this load brings the tracker's
 * figures (adherence, readings, deviation), read from the plan's projection.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isStaff(actor)) redirect(303, '/portal');
	const notHere = 'There is no treatment plan at this address.';
	if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.planId).success) error(404, notHere);
	try {
		const tracker = await getPlanTracker(getRuntime().database.db, actor, params.planId);
		if (tracker.plan.patientId !== params.patientId) error(404, notHere);
		return { tracker, me: { userId: actor.userId, name: actor.displayName }, mayEdit: isClinician(actor) };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, notHere);
		if (cause instanceof AccessDenied) error(403, 'Treatment plans are open to the patient’s care team.');
		throw cause;
	}
};
