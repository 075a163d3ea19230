import type { RequestEvent } from '@sveltejs/kit';

/** Client address for audit events; getClientAddress throws when the adapter cannot tell. */
export function clientAddress(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null;
	}
}
