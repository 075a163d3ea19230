import { json } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** Liveness and readiness in one: 200 when the database answers, 503 when it does not. */
export const GET: RequestHandler = async () => {
	const { database } = getRuntime();
	try {
		await database.ping();
		return json({ status: 'ok', db: database.kind }, { headers: { 'cache-control': 'no-store' } });
	} catch {
		return json({ status: 'unavailable', db: database.kind }, { status: 503, headers: { 'cache-control': 'no-store' } });
	}
};
