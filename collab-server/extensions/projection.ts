import type { Extension, onChangePayload, afterLoadDocumentPayload, beforeUnloadDocumentPayload, Document } from '@hocuspocus/server';
import type { Logger } from '../../app/lib/server/platform/logger';
import type { CollabContext } from '../context';

export type Projector = (documentName: string, document: Document) => Promise<void>;

export interface ProjectionOptions {
	/** The projector for a document, or null for kinds that have no relational rows. */
	projectorFor: (documentName: string) => Projector | null;
	/** Quiet time after a change before projecting. */
	delayMs?: number;
	/** Longest a steady stream of changes can hold a projection back. */
	maxDelayMs?: number;
}

interface Pending {
	timer: ReturnType<typeof setTimeout>;
	firstChangeAt: number;
}

/**
 * Projects document content to relational rows (a chart's problems, allergies and
 * medications; a plan's content) so search, the portal, decision support and exports read
 * normal tables. Runs after a short quiet time (and at most `maxDelayMs` after the first change,
 * so typing cannot hold it back past a second), once after load, and before unload. One
 * projection per document at a time; a failure is logged and retried on the next change.
 */
export class ProjectionExtension implements Extension {
	// After the log: rows follow what is already durable in the document.
	priority = 600;
	private readonly pending = new Map<string, Pending>();
	private readonly running = new Map<string, Promise<void>>();
	private readonly delayMs: number;
	private readonly maxDelayMs: number;

	constructor(
		private readonly logger: Logger,
		private readonly options: ProjectionOptions
	) {
		this.delayMs = options.delayMs ?? 200;
		this.maxDelayMs = options.maxDelayMs ?? 700;
	}

	async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload<CollabContext>): Promise<void> {
		this.schedule(documentName, document);
	}

	async onChange({ documentName, document }: onChangePayload<CollabContext>): Promise<void> {
		this.schedule(documentName, document);
	}

	async beforeUnloadDocument({ documentName, instance }: beforeUnloadDocumentPayload): Promise<void> {
		const pending = this.pending.get(documentName);
		const document = instance.documents.get(documentName);
		if (pending && document) {
			clearTimeout(pending.timer);
			this.pending.delete(documentName);
			await this.project(documentName, document);
		}
		await this.running.get(documentName);
	}

	/** Waits for every scheduled projection (shutdown, tests). */
	async settle(documents: Map<string, Document>): Promise<void> {
		for (const [name, pending] of [...this.pending]) {
			clearTimeout(pending.timer);
			this.pending.delete(name);
			const document = documents.get(name);
			if (document) await this.project(name, document);
		}
		await Promise.all(this.running.values());
	}

	private schedule(documentName: string, document: Document): void {
		if (!this.options.projectorFor(documentName)) return;
		const now = Date.now();
		const existing = this.pending.get(documentName);
		if (existing) clearTimeout(existing.timer);
		const firstChangeAt = existing?.firstChangeAt ?? now;
		const delay = Math.max(0, Math.min(this.delayMs, firstChangeAt + this.maxDelayMs - now));
		const timer = setTimeout(() => {
			this.pending.delete(documentName);
			void this.project(documentName, document);
		}, delay);
		this.pending.set(documentName, { timer, firstChangeAt });
	}

	private async project(documentName: string, document: Document): Promise<void> {
		const projector = this.options.projectorFor(documentName);
		if (!projector) return;
		const previous = this.running.get(documentName) ?? Promise.resolve();
		const run = previous
			.then(() => projector(documentName, document))
			.catch((error: Error) => {
				this.logger.error({ document: documentName.split(':')[0], err: { name: error.name, message: error.message } }, 'projection failed; retried on the next change');
			})
			.finally(() => {
				if (this.running.get(documentName) === run) this.running.delete(documentName);
			});
		this.running.set(documentName, run);
		await run;
	}
}
