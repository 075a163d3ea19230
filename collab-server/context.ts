import type { Actor } from '../app/lib/server/access/actor';

/** The Hocuspocus connection context: the actor, built once when the connection authenticates. */
export interface CollabContext {
	actor?: Actor;
}
