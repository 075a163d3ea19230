import type { IncomingMessage } from 'node:http';

/**
 * Cross-site websocket hijacking guard: a browser always sends Origin on a websocket or
 * polling request; it must be this server's own origin (ORIGIN when configured, else the Host
 * the request was sent to). Requests without Origin (non-browser clients, tests) carry no
 * ambient cookie risk and still need a valid session cookie to do anything.
 */
export function isSameOrigin(request: IncomingMessage, publicOrigin: string | undefined): boolean {
	const origin = request.headers.origin;
	if (!origin) return true;
	if (publicOrigin) return origin === new URL(publicOrigin).origin;
	const host = request.headers.host;
	if (!host) return false;
	try {
		return new URL(origin).host === host;
	} catch {
		return false;
	}
}
