import { describe, expect, it } from 'vitest';
import { conversationTitle, dayLabel, groupByDay, memberReceipt, passphraseStrength, receiptText } from './chat-format';

describe('receiptText', () => {
	it('says sent, delivered and read for one other person', () => {
		expect(receiptText({ state: 'sending', readBy: 0, of: 1 })).toBe('Sending…');
		expect(receiptText({ state: 'sent', readBy: 0, of: 1 })).toBe('Sent');
		expect(receiptText({ state: 'delivered', readBy: 0, of: 1, deliveredTo: 1 })).toBe('Delivered');
		expect(receiptText({ state: 'read', readBy: 1, of: 1 })).toBe('Read');
	});
	it('counts readers in a group ("Read by 3 of 5")', () => {
		expect(receiptText({ state: 'read', readBy: 3, of: 5, deliveredTo: 5 })).toBe('Read by 3 of 5');
		expect(receiptText({ state: 'delivered', readBy: 0, of: 5, deliveredTo: 2 })).toBe('Delivered to 2 of 5');
		expect(receiptText({ state: 'sent', readBy: 0, of: 5, deliveredTo: 0 })).toBe('Sent');
	});
});

describe('memberReceipt', () => {
	it('reads a member’s markers against the message’s sequence number', () => {
		expect(memberReceipt({ deliveredSeq: 9, readSeq: 7 }, 7)).toBe('Read');
		expect(memberReceipt({ deliveredSeq: 9, readSeq: 7 }, 8)).toBe('Delivered');
		expect(memberReceipt({ deliveredSeq: 9, readSeq: 7 }, 10)).toBe('Sent');
		// A local echo (no sequence number yet) is never read.
		expect(memberReceipt({ deliveredSeq: 9, readSeq: 9 }, 0)).toBe('Sent');
	});
});

describe('days', () => {
	const now = new Date('2026-11-24T15:00:00Z');
	it('labels today, yesterday and older days in the clinic’s time zone', () => {
		expect(dayLabel('2026-11-24T01:00:00Z', 'UTC', now)).toBe('Today');
		// 01:00 UTC on the 24th is still the 23rd in New York.
		expect(dayLabel('2026-11-24T01:00:00Z', 'America/New_York', now)).toBe('Yesterday');
		expect(dayLabel('2026-11-02T12:00:00Z', 'UTC', now)).toBe('Monday, November 2, 2026');
	});
	it('groups consecutive messages by day, keeping their order', () => {
		const messages = [
			{ id: 1, sentAt: '2026-11-22T10:00:00Z' },
			{ id: 2, sentAt: '2026-11-22T23:00:00Z' },
			{ id: 3, sentAt: '2026-11-23T08:00:00Z' }
		];
		expect(groupByDay(messages, 'UTC').map((d) => [d.key, d.items.map((m) => m.id)])).toEqual([
			['2026-11-22', [1, 2]],
			['2026-11-23', [3]]
		]);
		// In Tokyo the second message is already on the 23rd.
		expect(groupByDay(messages, 'Asia/Tokyo').map((d) => d.items.map((m) => m.id))).toEqual([[1], [2, 3]]);
	});
});

describe('conversationTitle', () => {
	it('prefers the server’s title and falls back to the patient', () => {
		expect(conversationTitle({ title: 'Night shift', kind: 'group', patientName: null })).toBe('Night shift');
		expect(conversationTitle({ title: '', kind: 'care_team', patientName: 'Maria Garcia' })).toBe('Care team · Maria Garcia');
		expect(conversationTitle({ title: '', kind: 'direct', patientName: null })).toBe('Direct message');
	});
});

describe('passphraseStrength', () => {
	it('asks for 12 characters first', () => {
		expect(passphraseStrength('').score).toBe(0);
		expect(passphraseStrength('short words').label).toBe('Too short');
	});
	it('rates length and unrelated words above symbols', () => {
		expect(passphraseStrength('amber kettle harbour violin 42').label).toBe('Strong');
		expect(passphraseStrength('orchid tram pebble').label).toBe('Fair');
	});
	it('marks common pieces and repeated characters weak', () => {
		expect(passphraseStrength('password1234').label).toBe('Weak');
		expect(passphraseStrength('aaaaaaaaaaaaaaaa').label).toBe('Weak');
	});
});
