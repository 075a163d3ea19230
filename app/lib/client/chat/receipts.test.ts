import { describe, expect, it } from 'vitest';
import type { ConversationMemberSummary } from '$lib/chat/protocol';
import { applyReceipt, computeReceipt, countUnread, totalUnread } from './receipts';

function member(userId: string, deliveredSeq: number, readSeq: number): ConversationMemberSummary {
	return { userId, displayName: userId, role: 'nurse', access: 'post', deliveredSeq, readSeq };
}

describe('computeReceipt', () => {
	const me = 'me';

	it('counts "read by k of n" over the other members only', () => {
		const members = [member(me, 0, 0), member('a', 10, 10), member('b', 10, 4), member('c', 3, 3)];
		expect(computeReceipt({ seq: 5, mine: true }, members, me)).toEqual({ state: 'sent', readBy: 1, of: 3, deliveredTo: 2 });
	});

	it('is delivered once every other member decrypted it, read once every other member read it', () => {
		expect(computeReceipt({ seq: 5, mine: true }, [member(me, 9, 9), member('a', 5, 0), member('b', 7, 2)], me).state).toBe('delivered');
		expect(computeReceipt({ seq: 5, mine: true }, [member(me, 0, 0), member('a', 5, 5), member('b', 7, 6)], me)).toEqual({
			state: 'read',
			readBy: 2,
			of: 2,
			deliveredTo: 2
		});
	});

	it('treats a read marker as delivery even when the delivered marker lags', () => {
		expect(computeReceipt({ seq: 5, mine: true }, [member(me, 0, 0), member('a', 0, 5)], me).state).toBe('read');
	});

	it('reports a local echo without a sequence number as sending', () => {
		expect(computeReceipt({ seq: 0, mine: true }, [member(me, 0, 0), member('a', 50, 50)], me)).toEqual({ state: 'sending', readBy: 0, of: 1, deliveredTo: 0 });
	});

	it('stays "sent" in a conversation with no one else in it', () => {
		expect(computeReceipt({ seq: 3, mine: true }, [member(me, 3, 3)], me)).toEqual({ state: 'sent', readBy: 0, of: 0, deliveredTo: 0 });
	});
});

describe('applyReceipt', () => {
	it('moves markers forward and never back (a late, older receipt changes nothing)', () => {
		const members = [member('a', 8, 6), member('b', 1, 1)];
		const forward = applyReceipt(members, { userId: 'a', deliveredSeq: 9, readSeq: 7 });
		expect(forward[0]).toMatchObject({ deliveredSeq: 9, readSeq: 7 });
		const late = applyReceipt(forward, { userId: 'a', deliveredSeq: 2, readSeq: 2 });
		expect(late[0]).toMatchObject({ deliveredSeq: 9, readSeq: 7 });
		expect(late[1]).toBe(members[1]);
	});
});

describe('unread counts', () => {
	it('counts messages after my read marker that I did not send', () => {
		const messages = [
			{ seq: 1, mine: false },
			{ seq: 2, mine: true },
			{ seq: 3, mine: false },
			{ seq: 4, mine: false }
		];
		expect(countUnread(messages, 1)).toBe(2);
		expect(countUnread(messages, 4)).toBe(0);
	});

	it('leaves muted conversations out of the badge', () => {
		expect(
			totalUnread([
				{ unread: 3, muted: false },
				{ unread: 5, muted: true },
				{ unread: 1, muted: false }
			])
		).toBe(4);
	});
});
