import type { Extension, onLoadDocumentPayload, onStoreDocumentPayload, afterUnloadDocumentPayload, Document } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { Database } from '../../db/client';
import type { Logger } from '../../app/lib/server/platform/logger';
import type { DocUpdateOrigin } from '../../db/schema/index';
import { DocumentLogWriter } from '../durable-log/log-writer';
import { readStoredDocument, writeSnapshot } from '../durable-log/document-store';
import type { CollabContext } from '../context';

/** Log rows after the snapshot that make a load write a fresh snapshot. */
const compactAfterRows = 200;

/** Origin of the transaction that replays the stored state into a loading document. */
const replayOrigin = Symbol('durable-log replay');

export interface DurableLogOptions {
	/** Fills a document that has never been stored (a chart from the patient's rows). */
	seed?: (documentName: string, doc: Y.Doc) => Promise<void>;
	/** Labels of the parts a transaction changed, for the history panel. */
	changedParts?: (documentName: string, transaction: Y.Transaction) => string[];
	writer: DocumentLogWriter;
}

/**
 * Durability beyond Hocuspocus' defaults. Hocuspocus keeps documents in memory and stores them
 * on a debounce, so a crash loses what it had confirmed. Here every update applied to a live
 * document — from a client, a server-side writer or a seed — is appended to the `doc_updates`
 * log the moment it is applied (the acknowledgement gate holds the client's "saved" until it
 * is committed). A document loads from its snapshot plus the log rows after it;
 * `onStoreDocument` (Hocuspocus' debounced store) only writes a new snapshot to keep loads short.
 */
export class DurableLogExtension implements Extension {
	// Before the extensions that read a loaded document (projection) and after the ones that
	// guard it (auth, limits, shape).
	priority = 700;
	readonly writer: DocumentLogWriter;
	/** Stored plus appended bytes per loaded document: the size limit's measure. */
	private readonly byteSizes = new Map<string, number>();

	constructor(
		private readonly db: Database,
		private readonly logger: Logger,
		private readonly options: DurableLogOptions
	) {
		this.writer = options.writer;
	}

	documentBytes(documentName: string): number {
		return this.byteSizes.get(documentName) ?? 0;
	}

	async onLoadDocument({ document, documentName }: onLoadDocumentPayload<CollabContext>): Promise<void> {
		// Appends still queued from an earlier life of this document (a database outage) first.
		await this.writer.whenDurable(documentName);
		const stored = await readStoredDocument(this.db, documentName);
		// One transaction for the whole replay: observers and the update event fire once. (Applying
		// row by row is ~25x faster than Y.mergeUpdates on thousands of small updates.)
		if (stored.updates.length > 0) {
			document.transact(() => {
				for (const update of stored.updates) Y.applyUpdate(document, update, replayOrigin);
			}, replayOrigin);
		}
		this.byteSizes.set(documentName, stored.byteSize);
		// A long tail (a crash before the debounced snapshot, or a busy day) is compacted into a
		// snapshot now, in the background, so the next load is short again.
		if (stored.tailRows >= compactAfterRows) {
			void writeSnapshot(this.db, documentName, document).catch((error: Error) =>
				this.logger.warn({ err: { name: error.name, message: error.message } }, 'snapshot after load failed')
			);
		}
		document.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
			this.logUpdate(document, update, origin, transaction);
		});
		if (stored.updates.length === 0 && this.options.seed) {
			const seeded = new Y.Doc();
			await this.options.seed(documentName, seeded);
			const update = Y.encodeStateAsUpdate(seeded);
			seeded.destroy();
			if (update.byteLength > 2) Y.applyUpdate(document, update, { source: 'local', context: { logOrigin: 'seed' } satisfies CollabContext });
			await this.writer.whenDurable(documentName);
		}
	}

	async onStoreDocument({ document, documentName }: onStoreDocumentPayload<CollabContext>): Promise<void> {
		// The log already holds every update; a snapshot only shortens the next load. When the
		// database is away, skip it (a throw would keep Hocuspocus retrying; the log catches up).
		if (!this.writer.healthy) return;
		await this.writer.whenDurable(documentName);
		await writeSnapshot(this.db, documentName, document);
	}

	async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
		this.byteSizes.delete(documentName);
	}

	private logUpdate(document: Document, update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
		if (origin === replayOrigin) return;
		const { authorUserId, logOrigin } = attribution(origin);
		this.byteSizes.set(document.name, (this.byteSizes.get(document.name) ?? 0) + update.byteLength);
		this.writer.append({
			documentName: document.name,
			update,
			authorUserId,
			origin: logOrigin,
			parts: this.options.changedParts?.(document.name, transaction) ?? []
		});
	}
}

/** Who made a change and how, from the Hocuspocus transaction origin. */
function attribution(origin: unknown): { authorUserId: string | null; logOrigin: DocUpdateOrigin } {
	if (typeof origin === 'object' && origin !== null && 'source' in origin) {
		const o = origin as { source: string; connection?: { context?: CollabContext }; context?: CollabContext };
		if (o.source === 'connection') return { authorUserId: o.connection?.context?.actor?.userId ?? null, logOrigin: 'client' };
		if (o.source === 'local') return { authorUserId: o.context?.actor?.userId ?? null, logOrigin: o.context?.logOrigin ?? 'server' };
	}
	return { authorUserId: null, logOrigin: 'server' };
}
