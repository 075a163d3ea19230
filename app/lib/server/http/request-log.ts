import type { RequestEvent } from '@sveltejs/kit';
import { getRuntime } from '../platform/runtime';

/**
 * One log line per request: method, route id (never the raw URL: query strings carry search
 * text, which may be a name), status, duration and request id. No bodies, no headers.
 */
export async function logRequest(event: RequestEvent, resolve: () => Promise<Response>): Promise<Response> {
	event.locals.requestId = crypto.randomUUID();
	const started = performance.now();
	let status = 500;
	try {
		const response = await resolve();
		status = response.status;
		return response;
	} finally {
		const { logger } = getRuntime();
		logger.info(
			{
				requestId: event.locals.requestId,
				method: event.request.method,
				route: event.route.id ?? 'unmatched',
				status,
				ms: Math.round(performance.now() - started),
				userId: event.locals.actor?.userId
			},
			'request'
		);
	}
}
