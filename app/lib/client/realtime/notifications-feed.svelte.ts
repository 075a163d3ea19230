import type { NotificationSummary } from '$lib/realtime/events';

/** The part of the tab's socket the feed listens on (a test passes a plain emitter). */
export interface NotificationSource {
	on(event: 'notification:new', listener: (notification: NotificationSummary) => void): unknown;
	off(event: 'notification:new', listener: (notification: NotificationSummary) => void): unknown;
}

/**
 * The signed-in person's notifications as the navigation shows them: how many are unread and the
 * latest few, kept up to date by 'notification:new' while the page is open, and a sentence for a
 * polite live region so that a screen reader hears of a new one without losing its place.
 *
 * The server's count (the layout's data) stays the truth: it replaces the live count whenever the
 * layout loads again (another page, "mark all as read"). A notification pushed while that load
 * was on its way may be counted once too few until the next load; never twice, because each id
 * is counted once.
 */
export class NotificationsFeed {
	unread = $state(0);
	/** Newest first, at most `keep`. */
	latest = $state<NotificationSummary[]>([]);
	/** For an aria-live="polite" region; empty until something arrives. */
	announcement = $state('');

	readonly #keep: number;
	readonly #seen = new Set<string>();

	constructor(unread: number, keep = 5) {
		this.unread = Math.max(0, unread);
		this.#keep = keep;
	}

	/** The count from the server, when the layout's data arrives (again). */
	syncUnread(count: number): void {
		this.unread = Math.max(0, count);
	}

	/** A notification pushed to this tab. */
	receive(notification: NotificationSummary): void {
		// One push per socket, but a reconnecting tab or a test may hand the same one over twice.
		if (this.#seen.has(notification.id)) return;
		this.#seen.add(notification.id);
		this.latest = [notification, ...this.latest].slice(0, this.#keep);
		if (!notification.read) this.unread += 1;
		// The count makes two notifications with the same title two different sentences, so both are read out.
		this.announcement = `New notification: ${notification.title} (${this.unread} unread)`;
	}

	/** Listens on the tab's socket; returns the function that stops listening. */
	attach(source: NotificationSource): () => void {
		const onNew = (notification: NotificationSummary) => this.receive(notification);
		source.on('notification:new', onNew);
		return () => {
			source.off('notification:new', onNew);
		};
	}
}
