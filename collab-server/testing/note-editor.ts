/**
 * A simulated clinician typing into a note: inserts uniquely named paragraphs at random places
 * while the client is connected and caught up, and records which of them the server confirmed
 * (the provider's unsyncedChanges fell to 0 after they were written, which the server promises
 * means durable).
 */
import type { CollabClient } from './collab-client';
import { insertParagraph } from './note-paragraphs';

export class NoteEditor {
	/** Paragraph texts in the order this editor wrote them. */
	readonly written: string[] = [];
	/** How many of `written` (a prefix) the server has confirmed. */
	confirmed = 0;
	private timer: NodeJS.Timeout | undefined;
	private readonly onUnsynced = ({ number }: { number: number }) => {
		// 0 while connected: every update sent so far on this connection was acknowledged.
		if (number === 0 && this.client.connected) this.confirmed = this.written.length;
	};

	constructor(
		readonly client: CollabClient,
		readonly name: string,
		private readonly random: () => number,
		private readonly intervalMs: [number, number] = [30, 90]
	) {
		client.provider.on('unsyncedChanges', this.onUnsynced);
	}

	get unconfirmed(): number {
		return this.written.length - this.confirmed;
	}

	confirmedTexts(): string[] {
		return this.written.slice(0, this.confirmed);
	}

	start(): void {
		this.stop();
		const [min, max] = this.intervalMs;
		const tick = () => {
			// Only while caught up: on a new connection the provider resets its counter to 1 (for
			// its sync step 2), so an edit made before that sync would be miscounted as confirmed.
			if (this.client.ready) this.write();
			this.timer = setTimeout(tick, min + this.random() * (max - min));
		};
		this.timer = setTimeout(tick, this.random() * max);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}

	write(): void {
		const text = `${this.name}-${this.written.length}`;
		this.written.push(text);
		const length = this.client.doc.getXmlFragment('default').length;
		insertParagraph(this.client.doc, text, Math.floor(this.random() * (length + 1)));
	}

	destroy(): void {
		this.stop();
		this.client.provider.off('unsyncedChanges', this.onUnsynced);
	}
}

/** A small seeded generator (mulberry32), so a failing round can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
