/**
 * Changes of access that open connections must act on at once: a revoked record share, an
 * ended emergency access. Page requests need no event (each one asks the access module
 * afresh); long-lived sockets (socket.io, /collab) decided once, when they joined, so they
 * subscribe here and drop what the person may no longer see.
 *
 * In-process only, which matches the deployment (one Node process serves pages, /collab and
 * socket.io). It lives on globalThis for the reason runtime.ts does: the SvelteKit bundle and
 * the server entry each get their own copy of this module, and a revocation made by a page
 * (bundle copy) must reach the socket servers (server copy).
 */
import { getRuntime, hasRuntime } from '../platform/runtime';

export type AccessEvent =
	| {
			kind: 'access-revoked';
			/** Whose access ended. */
			userId: string;
			patientId: string;
			/** Which grant ended, for logs and tests: 'share <id>' or 'break-glass <id>'. Never PHI. */
			cause: string;
	  }
	| {
			/** Sessions of a person ended (sign-out, deactivation): their sockets must close too. */
			kind: 'sessions-ended';
			userId: string;
			/** Only this session (a sign-out); absent: every session of the person. */
			onlySessionId?: string;
			cause: string;
	  };

export type AccessEventListener = (event: AccessEvent) => void;

const busKey = Symbol.for('clinicsync.access-events');
type BusHolder = { [busKey]?: Set<AccessEventListener> };

function listeners(): Set<AccessEventListener> {
	const holder = globalThis as BusHolder;
	return (holder[busKey] ??= new Set());
}

/** Subscribes; returns the unsubscribe function (call it when the subscriber shuts down). */
export function onAccessEvent(listener: AccessEventListener): () => void {
	listeners().add(listener);
	return () => {
		listeners().delete(listener);
	};
}

/**
 * Tells every subscriber, synchronously. Call it after the change has committed. A subscriber
 * that throws does not stop the others: the change has already happened and every open
 * connection must still hear of it. Failures are logged (when the runtime is up) and returned.
 */
export function emitAccessEvent(event: AccessEvent): Error[] {
	const errors: Error[] = [];
	for (const listener of [...listeners()]) {
		try {
			listener(event);
		} catch (error) {
			errors.push(error instanceof Error ? error : new Error(String(error)));
		}
	}
	if (errors.length > 0 && hasRuntime()) {
		for (const error of errors) getRuntime().logger.error({ kind: event.kind, cause: event.cause, err: { name: error.name, message: error.message } }, 'access event subscriber failed');
	}
	return errors;
}
