import type { Actor } from '../app/lib/server/access/actor';
import type { DocUpdateOrigin } from '../db/schema/index';

/**
 * The Hocuspocus context. The websocket's part (the actor) is built once at the upgrade; the
 * per-document part is added by AuthExtension when that document is authorized.
 */
export interface CollabContext {
	actor?: Actor;
	/** The patient the document belongs to (set on authorization). */
	patientId?: string;
	/** Server-side writers (direct connections) say what kind of change they make, for the history. */
	logOrigin?: DocUpdateOrigin;
}
