/**
 * The local search index over decrypted messages: the server cannot search what it cannot read,
 * so each device indexes what it decrypts (MiniSearch), and keeps the index in its encrypted key
 * store (AES-GCM under the non-extractable wrapping key), written a moment after changes rather
 * than on every message. Sign-out deletes it with the rest of the chat storage.
 */
import MiniSearch from 'minisearch';
import type { ChatKeyStore } from './key-store';
import type { SearchHit, SearchQuery } from './types';

export interface IndexedMessage {
	/** The message id. */
	id: string;
	conversationId: string;
	senderUserId: string | null;
	patientId: string | null;
	sentAt: string;
	body: string;
	attachmentName: string | null;
}

const indexOptions = {
	fields: ['body', 'attachmentName'],
	storeFields: ['conversationId', 'senderUserId', 'patientId', 'sentAt', 'body', 'attachmentName'],
	searchOptions: { prefix: true, fuzzy: 0.2, combineWith: 'AND' as const }
};

const storeName = 'search-index';
const saveDelayMs = 2_000;
const defaultLimit = 50;

const bareDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date filter's bounds in epoch ms. A bare date is a day in the person's time zone: `to` includes all of it. */
export function dateBounds(from?: string, to?: string): { from: number; to: number } {
	const parse = (value: string, endOfDay: boolean): number => {
		const day = bareDate.exec(value);
		if (day) {
			const start = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime();
			return endOfDay ? start + 24 * 60 * 60 * 1000 - 1 : start;
		}
		const time = Date.parse(value);
		if (Number.isNaN(time)) throw new Error('Enter dates as YYYY-MM-DD.');
		return time;
	};
	return { from: from ? parse(from, false) : -Infinity, to: to ? parse(to, true) : Infinity };
}

export class MessageIndex {
	#search: MiniSearch<IndexedMessage>;

	constructor(json?: string) {
		this.#search = json ? MiniSearch.loadJSON<IndexedMessage>(json, indexOptions) : new MiniSearch<IndexedMessage>(indexOptions);
	}

	get size(): number {
		return this.#search.documentCount;
	}

	/** Adds or replaces a message; true when the index changed. */
	add(message: IndexedMessage): boolean {
		if (!message.body.trim() && !message.attachmentName) return false;
		if (this.#search.has(message.id)) this.#search.replace(message);
		else this.#search.add(message);
		return true;
	}

	has(messageId: string): boolean {
		return this.#search.has(messageId);
	}

	/** A retracted message leaves the index; true when it was there. */
	remove(messageId: string): boolean {
		if (!this.#search.has(messageId)) return false;
		this.#search.discard(messageId);
		return true;
	}

	/** I left the conversation or was removed from it. */
	removeConversation(conversationId: string): number {
		const ids = this.#search
			.search(MiniSearch.wildcard, { filter: (result) => result.conversationId === conversationId })
			.map((result) => result.id as string);
		for (const id of ids) this.#search.discard(id);
		return ids.length;
	}

	/** Keyword (prefix, slightly fuzzy, all words) plus sender, patient, conversation and date range; newest first without keywords. */
	search(query: SearchQuery): SearchHit[] {
		const bounds = dateBounds(query.from, query.to);
		const text = query.text?.trim() ?? '';
		const filter = (result: Record<string, unknown>): boolean => {
			if (query.senderUserId && result.senderUserId !== query.senderUserId) return false;
			if (query.patientId && result.patientId !== query.patientId) return false;
			if (query.conversationId && result.conversationId !== query.conversationId) return false;
			const sentAt = Date.parse(result.sentAt as string);
			return sentAt >= bounds.from && sentAt <= bounds.to;
		};
		const results = text ? this.#search.search(text, { filter }) : this.#search.search(MiniSearch.wildcard, { filter });
		const hits: SearchHit[] = results.map((result) => ({
			messageId: result.id as string,
			conversationId: result.conversationId as string,
			senderUserId: (result.senderUserId as string | null) ?? null,
			patientId: (result.patientId as string | null) ?? null,
			sentAt: result.sentAt as string,
			body: (result.body as string) ?? '',
			attachmentName: (result.attachmentName as string | null) ?? null,
			score: text ? result.score : 0
		}));
		if (!text) hits.sort((a, b) => Date.parse(b.sentAt) - Date.parse(a.sentAt));
		return hits.slice(0, query.limit ?? defaultLimit);
	}

	toJSON(): string {
		return JSON.stringify(this.#search);
	}
}

/** The index of one user on this device, loaded from and saved to the encrypted key store. */
export class PersistentMessageIndex {
	readonly index: MessageIndex;
	readonly #store: ChatKeyStore;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#dirty = false;

	private constructor(store: ChatKeyStore, index: MessageIndex) {
		this.#store = store;
		this.index = index;
	}

	static async open(store: ChatKeyStore): Promise<PersistentMessageIndex> {
		let index: MessageIndex;
		try {
			const json = await store.get<string>(storeName);
			index = new MessageIndex(json ?? undefined);
		} catch {
			// A damaged index is rebuilt from messages as they are decrypted again.
			index = new MessageIndex();
		}
		return new PersistentMessageIndex(store, index);
	}

	add(message: IndexedMessage): void {
		if (this.index.add(message)) this.#changed();
	}

	remove(messageId: string): void {
		if (this.index.remove(messageId)) this.#changed();
	}

	removeConversation(conversationId: string): void {
		if (this.index.removeConversation(conversationId) > 0) this.#changed();
	}

	search(query: SearchQuery): SearchHit[] {
		return this.index.search(query);
	}

	#changed(): void {
		this.#dirty = true;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.flush(), saveDelayMs);
	}

	async flush(): Promise<void> {
		clearTimeout(this.#timer);
		if (!this.#dirty) return;
		this.#dirty = false;
		await this.#store.put(storeName, this.index.toJSON());
	}

	/** Stops saving (sign-out deletes the store). */
	close(): void {
		clearTimeout(this.#timer);
		this.#dirty = false;
	}
}
