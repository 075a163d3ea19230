/**
 * Uploads the pieces of a browser-made recording in order, one at a time, retrying a piece
 * that failed for a passing reason (network, 5xx, 429) with growing pauses. The server numbers
 * pieces by `seq` and accepts a repeated piece once, so a retry after a lost answer is safe.
 * A refusal that will not pass (the recording stopped, 4xx) ends the upload with the server's
 * sentence; pieces after it are dropped, never sent out of order.
 */

export type UploadFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ChunkUploaderOptions {
	/** POST address without the query: /api/consults/<id>/recordings/<id>/chunks */
	path: string;
	fetch?: UploadFetch;
	/** Pauses before each retry, in ms; the last one repeats. */
	backoffMs?: readonly number[];
	/** Tries per piece before giving up. */
	maxAttempts?: number;
	sleep?: (ms: number) => Promise<void>;
	onProblem?: (message: string) => void;
}

export class ChunkUploader {
	#queue: { seq: number; bytes: Blob }[] = [];
	#nextSeq = 0;
	#running: Promise<void> | null = null;
	#failed: string | null = null;
	#uploaded = 0;
	readonly #options: Required<Omit<ChunkUploaderOptions, 'onProblem'>> & Pick<ChunkUploaderOptions, 'onProblem'>;

	constructor(options: ChunkUploaderOptions) {
		this.#options = {
			fetch: (input, init) => fetch(input, init),
			backoffMs: [500, 1000, 2000, 4000],
			maxAttempts: 8,
			sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
			...options
		};
	}

	/** Pieces waiting to be sent (for "saving…" progress). */
	get pending(): number {
		return this.#queue.length;
	}

	get uploaded(): number {
		return this.#uploaded;
	}

	/** The sentence that stopped the upload, or null while all is well. */
	get failed(): string | null {
		return this.#failed;
	}

	add(bytes: Blob): void {
		if (this.#failed || bytes.size === 0) return;
		this.#queue.push({ seq: this.#nextSeq++, bytes });
		this.#running ??= this.#drain().finally(() => (this.#running = null));
	}

	/** Resolves when every piece added so far was sent (or the upload stopped). */
	async flush(): Promise<void> {
		while (this.#running) await this.#running;
	}

	async #drain(): Promise<void> {
		while (this.#queue.length > 0 && !this.#failed) {
			const piece = this.#queue[0]!;
			const outcome = await this.#send(piece);
			if (outcome !== 'sent') {
				this.#failed = outcome;
				this.#queue = [];
				this.#options.onProblem?.(outcome);
				return;
			}
			this.#queue.shift();
			this.#uploaded++;
		}
	}

	/** 'sent', or the sentence to show. */
	async #send(piece: { seq: number; bytes: Blob }): Promise<string> {
		const { backoffMs, maxAttempts } = this.#options;
		let lastProblem = 'The recording could not be saved: the server could not be reached.';
		for (let attempt = 1; attempt <= maxAttempts; attempt++) {
			try {
				const response = await this.#options.fetch(`${this.#options.path}?seq=${piece.seq}`, {
					method: 'POST',
					headers: { 'content-type': 'application/octet-stream' },
					body: piece.bytes,
					credentials: 'same-origin'
				});
				if (response.ok) return 'sent';
				const message = await response
					.json()
					.then((body: { message?: unknown }) => (typeof body.message === 'string' ? body.message : null))
					.catch(() => null);
				if (response.status !== 429 && response.status < 500) return message ?? `The recording could not be saved (error ${response.status}).`;
				lastProblem = message ?? lastProblem;
			} catch {
				// Network: try again after a pause.
			}
			if (attempt < maxAttempts) await this.#options.sleep(backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 1000);
		}
		return lastProblem;
	}
}
