import type * as Y from 'yjs';
import type { Actor } from '../access/actor';
import type { DocUpdateOrigin } from '../../../../db/schema/index';

/**
 * Server-side writers (imports, device readings, restores, later features) change a
 * collaborative document through the live document — a Hocuspocus direct connection — never
 * behind its back, so editors see the change at once and it goes through the same log.
 *
 * The collaboration server registers itself here at start-up (domain modules do not import
 * collab-server/). Callers authorize and audit their own action before calling.
 */
export type DocumentChange = (
	documentName: string,
	context: { actor?: Actor; logOrigin?: DocUpdateOrigin },
	change: (doc: Y.Doc) => void
) => Promise<void>;

const registry = globalThis as typeof globalThis & { __clinicsyncDocumentWriter?: DocumentChange | null };

export function registerDocumentWriter(writer: DocumentChange | null): void {
	registry.__clinicsyncDocumentWriter = writer;
}

export class CollaborationUnavailable extends Error {
	constructor() {
		super('Live documents are not available right now. Try again in a moment.');
		this.name = 'CollaborationUnavailable';
	}
}

/** Applies `change` to the live document as `author` (null: the system); resolves once durable. */
export async function changeDocument(
	documentName: string,
	author: Actor | null,
	change: (doc: Y.Doc) => void,
	logOrigin: DocUpdateOrigin = 'server'
): Promise<void> {
	const writer = registry.__clinicsyncDocumentWriter;
	if (!writer) throw new CollaborationUnavailable();
	await writer(documentName, { actor: author ?? undefined, logOrigin }, change);
}
