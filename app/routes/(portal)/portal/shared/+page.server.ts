import { redirect } from '@sveltejs/kit';
import { isExternal } from '$lib/server/access/actor';
import { sharePartLabels } from '$lib/server/sharing/record-shares';
import { listRecordsSharedWithMe } from '$lib/server/sharing/shared-records';
import { getRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/** An outside person's start page: the records shared with them, and until when. */
export const load: PageServerLoad = async ({ locals }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isExternal(actor)) redirect(303, '/portal');
	const records = await listRecordsSharedWithMe(getRuntime().database.db, actor);
	return { records: records.map((r) => ({ ...r, partLabels: r.parts.map((p) => sharePartLabels[p]) })) };
};
