/**
 * A recipient's own replay check, beside the server's (chat_sessions.last_index): a message
 * whose (sessionId, index) this device already accepted is dropped, even if a compromised
 * server sends it again under a new message id. Indexes may arrive out of order (history pages
 * load backwards), so each session keeps every index seen, not a high-water mark. The same
 * stored message fetched twice (live, then from history) carries the same messageId and is not
 * a replay.
 */
export class SeenIndexes {
	#seen = new Map<string, Map<number, string>>();

	has(sessionId: string, index: number): boolean {
		return this.#seen.get(sessionId)?.has(index) ?? false;
	}

	/**
	 * Records (sessionId, index) for `messageId`; false when that pair was already accepted for
	 * another message (a replay). Without a messageId any second sight is a replay.
	 */
	accept(sessionId: string, index: number, messageId = ''): boolean {
		let indexes = this.#seen.get(sessionId);
		if (!indexes) {
			indexes = new Map();
			this.#seen.set(sessionId, indexes);
		}
		const earlier = indexes.get(index);
		if (earlier !== undefined) return messageId !== '' && earlier === messageId;
		indexes.set(index, messageId);
		return true;
	}

	/** A plain object for persistence (the browser keeps it in its encrypted store). */
	toJSON(): Record<string, [number, string][]> {
		return Object.fromEntries([...this.#seen].map(([sessionId, indexes]) => [sessionId, [...indexes]]));
	}

	static fromJSON(data: Record<string, [number, string][]>): SeenIndexes {
		const seen = new SeenIndexes();
		for (const [sessionId, indexes] of Object.entries(data)) {
			for (const [index, messageId] of indexes) seen.accept(sessionId, index, messageId);
		}
		return seen;
	}
}
