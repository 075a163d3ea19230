import type { Actor } from '$lib/server/access/actor';

declare global {
	namespace App {
		interface Locals {
			/** The signed-in person, or null. Set by hooks.server.ts and nothing else. */
			actor: Actor | null;
			requestId: string;
		}
		interface Error {
			message: string;
			/** Correlates the page a person sees with the server's log line. */
			requestId?: string;
		}
		interface PageData {
			actor?: { displayName: string; role: Actor['role'] } | null;
		}
	}
}

export {};
