import type { Database } from '../../db/client';
import { docUpdates, type DocUpdateOrigin } from '../../db/schema/index';
import type { Logger } from '../../app/lib/server/platform/logger';

export interface LogEntry {
	documentName: string;
	update: Uint8Array;
	authorUserId: string | null;
	origin: DocUpdateOrigin;
	parts: string[];
}

export interface LogWriterOptions {
	/** How long an append waits for others to share its insert. A few ms: latency against round trips. */
	batchDelayMs?: number;
	/** Largest number of rows in one insert. */
	maxBatchRows?: number;
	/** Told when the database stops (false) or starts again (true) accepting the log. */
	onHealthChange?: (healthy: boolean) => void;
	/** Retry delays after a failed insert, growing to the last one. */
	retryDelaysMs?: readonly number[];
}

interface PendingDocument {
	/** Appends queued for this document so far (a counter, not a sequence number in the table). */
	queued: number;
	/** Appends of this document known to be committed. */
	committed: number;
	waiters: { until: number; resolve: () => void }[];
}

/**
 * Appends Yjs updates to the `doc_updates` table, batching the appends that arrive within a
 * few milliseconds into one insert, one insert at a time, in arrival order. `whenDurable` is
 * what the acknowledgement gate waits on before telling a client its change is saved.
 *
 * A failed insert is retried with back-off, forever: the entries stay queued in memory (the
 * documents keep working), `onHealthChange(false)` lets the server tell editors "not saved
 * yet", and the first successful insert after it reports healthy again. Nothing is dropped.
 */
export class DocumentLogWriter {
	private readonly queue: LogEntry[] = [];
	private readonly documents = new Map<string, PendingDocument>();
	private timer: ReturnType<typeof setTimeout> | null = null;
	private running: Promise<void> | null = null;
	private retryIndex = 0;
	private stopped = false;
	healthy = true;

	private readonly batchDelayMs: number;
	private readonly maxBatchRows: number;
	private readonly retryDelaysMs: readonly number[];

	constructor(
		private readonly db: Database,
		private readonly logger: Logger,
		private readonly options: LogWriterOptions = {}
	) {
		this.batchDelayMs = options.batchDelayMs ?? 2;
		this.maxBatchRows = options.maxBatchRows ?? 1000;
		this.retryDelaysMs = options.retryDelaysMs ?? [50, 100, 250, 500, 1000, 2000];
	}

	append(entry: LogEntry): void {
		if (this.stopped) throw new Error('The document log is closed.');
		this.queue.push(entry);
		this.pending(entry.documentName).queued += 1;
		this.schedule(this.batchDelayMs);
	}

	/** Resolves once every append of this document queued before the call is committed. */
	whenDurable(documentName: string): Promise<void> {
		const state = this.documents.get(documentName);
		if (!state || state.committed >= state.queued) return Promise.resolve();
		return new Promise((resolve) => state.waiters.push({ until: state.queued, resolve }));
	}

	/** Appends queued and not yet committed, for the status line and tests. */
	get backlog(): number {
		return this.queue.length;
	}

	/** Waits until the queue is empty (used at shutdown and by tests); gives up after `timeoutMs`. */
	async flush(timeoutMs = 10_000): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (this.queue.length > 0 || this.running) {
			if (Date.now() > deadline) return false;
			if (!this.running) this.schedule(0);
			await (this.running ?? new Promise((r) => setTimeout(r, 5)));
		}
		return true;
	}

	/** Stops accepting appends after flushing what is queued. */
	async close(timeoutMs = 8_000): Promise<void> {
		const flushed = await this.flush(timeoutMs);
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		if (!flushed) this.logger.error({ backlog: this.queue.length }, 'document log closed with unsaved updates');
	}

	private pending(documentName: string): PendingDocument {
		let state = this.documents.get(documentName);
		if (!state) {
			state = { queued: 0, committed: 0, waiters: [] };
			this.documents.set(documentName, state);
		}
		return state;
	}

	private schedule(delayMs: number): void {
		if (this.timer || this.running || this.stopped) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.running = this.writeBatch().finally(() => {
				this.running = null;
				if (this.queue.length > 0) this.schedule(this.healthy ? 0 : this.retryDelay());
			});
		}, delayMs);
	}

	private retryDelay(): number {
		const delay = this.retryDelaysMs[Math.min(this.retryIndex, this.retryDelaysMs.length - 1)]!;
		this.retryIndex += 1;
		return delay;
	}

	private async writeBatch(): Promise<void> {
		const batch = this.queue.slice(0, this.maxBatchRows);
		if (batch.length === 0) return;
		try {
			await this.db.insert(docUpdates).values(
				batch.map((entry) => ({
					documentName: entry.documentName,
					update: entry.update,
					authorUserId: entry.authorUserId,
					origin: entry.origin,
					parts: entry.parts
				}))
			);
		} catch (error) {
			if (this.healthy) {
				this.healthy = false;
				this.logger.error({ err: describe(error), backlog: this.queue.length }, 'document log cannot reach the database; retrying');
				this.options.onHealthChange?.(false);
			}
			return;
		}
		this.queue.splice(0, batch.length);
		this.retryIndex = 0;
		for (const entry of batch) this.committed(entry.documentName);
		if (!this.healthy) {
			this.healthy = true;
			this.logger.warn({ backlog: this.queue.length }, 'document log reaches the database again');
			this.options.onHealthChange?.(true);
		}
	}

	private committed(documentName: string): void {
		const state = this.documents.get(documentName)!;
		state.committed += 1;
		if (state.waiters.length > 0) {
			const ready = state.waiters.filter((w) => w.until <= state.committed);
			state.waiters = state.waiters.filter((w) => w.until > state.committed);
			for (const waiter of ready) waiter.resolve();
		}
		if (state.committed === state.queued && state.waiters.length === 0) this.documents.delete(documentName);
	}
}

function describe(error: unknown): { name: string; message: string } {
	return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}
