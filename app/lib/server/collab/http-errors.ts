import { json } from '@sveltejs/kit';
import { AccessDenied, NotFound } from '../access/errors';
import { CollaborationUnavailable } from './document-writer';
import { UnknownVersion } from './history';

/** The JSON answer for the errors the history endpoints expect; anything else is rethrown. */
export function collabErrorResponse(cause: unknown): Response {
	if (cause instanceof AccessDenied) return json({ message: cause.message }, { status: 403 });
	if (cause instanceof NotFound) return json({ message: cause.message }, { status: 404 });
	if (cause instanceof UnknownVersion) return json({ message: cause.message }, { status: 400 });
	if (cause instanceof CollaborationUnavailable) return json({ message: cause.message }, { status: 503 });
	throw cause;
}
