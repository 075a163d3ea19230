import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { NotificationSummary } from '$lib/realtime/events';
import { NotificationsFeed } from './notifications-feed.svelte';

function notification(id: string, overrides: Partial<NotificationSummary> = {}): NotificationSummary {
	return { id, kind: 'plan.changed', title: 'Treatment plan updated', body: 'Open it to see what changed.', link: '/portal/plans', createdAt: '2026-03-02T09:00:00.000Z', read: false, ...overrides };
}

describe('NotificationsFeed', () => {
	it('starts from the server count and adds each pushed notification, announcing it', () => {
		const feed = new NotificationsFeed(2);
		expect(feed.unread).toBe(2);
		expect(feed.announcement).toBe('');
		feed.receive(notification('a', { title: 'Missed dose: Maria Garcia' }));
		expect(feed.unread).toBe(3);
		expect(feed.latest.map((n) => n.id)).toEqual(['a']);
		expect(feed.announcement).toBe('New notification: Missed dose: Maria Garcia (3 unread)');
	});

	it('counts a notification once even when it is handed over twice', () => {
		const feed = new NotificationsFeed(0);
		feed.receive(notification('a'));
		feed.receive(notification('a'));
		expect(feed.unread).toBe(1);
		expect(feed.latest).toHaveLength(1);
	});

	it('gives two notifications with the same title two different announcements', () => {
		const feed = new NotificationsFeed(0);
		feed.receive(notification('a'));
		const first = feed.announcement;
		feed.receive(notification('b'));
		expect(feed.announcement).not.toBe(first);
	});

	it('keeps the newest few, newest first', () => {
		const feed = new NotificationsFeed(0, 2);
		for (const id of ['a', 'b', 'c']) feed.receive(notification(id));
		expect(feed.latest.map((n) => n.id)).toEqual(['c', 'b']);
		expect(feed.unread).toBe(3);
	});

	it('does not count one that arrives already read', () => {
		const feed = new NotificationsFeed(1);
		feed.receive(notification('a', { read: true }));
		expect(feed.unread).toBe(1);
		expect(feed.latest).toHaveLength(1);
	});

	it('takes the server count when the layout loads again (mark all as read), never below zero', () => {
		const feed = new NotificationsFeed(-1);
		expect(feed.unread).toBe(0);
		feed.receive(notification('a'));
		feed.syncUnread(0);
		expect(feed.unread).toBe(0);
		feed.syncUnread(4);
		expect(feed.unread).toBe(4);
	});

	it('listens on the socket until detached', () => {
		const socket = new EventEmitter();
		const feed = new NotificationsFeed(0);
		const detach = feed.attach(socket);
		socket.emit('notification:new', notification('a'));
		expect(feed.unread).toBe(1);
		detach();
		socket.emit('notification:new', notification('b'));
		expect(feed.unread).toBe(1);
		expect(socket.listenerCount('notification:new')).toBe(0);
	});
});
