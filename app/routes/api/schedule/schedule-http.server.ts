/**
 * The one place the staff calendar's adapters (JSON endpoints under /api/schedule and the form
 * actions of /schedule and /admin/scheduling) turn a scheduling outcome into an answer: a
 * refusal keeps its sentence, code and alternatives; access problems become 403/404 with a
 * sentence; anything else is rethrown (a real fault, logged by the server as a 500).
 */
import { json } from '@sveltejs/kit';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import type { Slot } from '$lib/server/scheduling/slots';

export interface ScheduleProblem {
	status: 400 | 401 | 403 | 404 | 409;
	error: string;
	code?: string;
	alternatives?: Slot[];
}

/** The problem a known failure means, or null for an unexpected one. */
export function problemOf(cause: unknown): ScheduleProblem | null {
	if (cause instanceof SchedulingRefusal) {
		return { status: cause.status, error: cause.message, code: cause.code, ...(cause.alternatives.length > 0 ? { alternatives: cause.alternatives } : {}) };
	}
	if (cause instanceof AccessDenied) return { status: 403, error: cause.message === 'You do not have access to this.' ? 'You do not have access to this appointment or calendar.' : cause.message, code: 'forbidden' };
	if (cause instanceof NotFound) return { status: 404, error: cause.message === 'Not found.' ? 'That could not be found, or it is not one you may see.' : cause.message, code: 'not_found' };
	return null;
}

/** `{ error, code?, alternatives? }` with its status; rethrows what is not a known refusal. */
export function problemResponse(cause: unknown): Response {
	const problem = problemOf(cause);
	if (!problem) throw cause;
	const { status, ...body } = problem;
	return json(body, { status, headers: { 'cache-control': 'private, no-store' } });
}

export function refuse(status: ScheduleProblem['status'], error: string, code?: string): Response {
	return json(code ? { error, code } : { error }, { status, headers: { 'cache-control': 'private, no-store' } });
}

/** The first field message of a failed validation, as one sentence. */
export function firstError(errors: Record<string, string>, fallback: string): string {
	// A problem with the whole body (not one field) has only the validator's wording: say ours.
	return Object.entries(errors).find(([field]) => field !== 'form')?.[1] ?? fallback;
}
