import { json } from '@sveltejs/kit';
import { refusalAck, ChatRefusal } from './errors';

/**
 * The JSON answer of the chat endpoints for a refusal (ChatRefusal, AccessDenied, NotFound):
 * its sentence and code at its status. Anything else is rethrown, so hooks.server.ts logs it.
 */
export function chatErrorResponse(cause: unknown): Response {
	const refusal = refusalAck(cause);
	if (!refusal) throw cause;
	const status = cause instanceof ChatRefusal ? cause.status : refusal.code === 'not_found' ? 404 : 403;
	return json({ message: refusal.error, code: refusal.code }, { status, headers: { 'cache-control': 'private, no-store' } });
}

/** A browser always names the page's origin on a cross-site request; ours must be this site. */
export function isSameSiteRequest(request: Request, url: URL): boolean {
	const origin = request.headers.get('origin');
	return origin === null || origin === url.origin;
}
