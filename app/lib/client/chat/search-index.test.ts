import { describe, expect, it } from 'vitest';
import { ChatKeyStore, generateWrappingKey, memoryBackend } from './key-store';
import { MessageIndex, PersistentMessageIndex, dateBounds, type IndexedMessage } from './search-index';

const messages: IndexedMessage[] = [
	{ id: 'm1', conversationId: 'c1', senderUserId: 'nurse', patientId: 'p1', sentAt: '2026-03-01T09:00:00.000Z', body: 'Potassium came back high, please review', attachmentName: null },
	{ id: 'm2', conversationId: 'c1', senderUserId: 'doctor', patientId: 'p1', sentAt: '2026-03-02T10:00:00.000Z', body: 'Reviewed the potassium, repeat tomorrow', attachmentName: null },
	{ id: 'm3', conversationId: 'c2', senderUserId: 'nurse', patientId: 'p2', sentAt: '2026-03-05T12:00:00.000Z', body: '', attachmentName: 'chest-xray.dcm' },
	{ id: 'm4', conversationId: 'c3', senderUserId: 'doctor', patientId: null, sentAt: '2026-03-06T08:00:00.000Z', body: 'Staff meeting moved to Thursday', attachmentName: null }
];

function indexed(): MessageIndex {
	const index = new MessageIndex();
	for (const message of messages) index.add(message);
	return index;
}

describe('MessageIndex', () => {
	it('finds messages by keyword, with prefixes and small typos', () => {
		const index = indexed();
		expect(index.search({ text: 'potassium' }).map((hit) => hit.messageId).sort()).toEqual(['m1', 'm2']);
		expect(index.search({ text: 'potas' }).map((hit) => hit.messageId).sort()).toEqual(['m1', 'm2']);
		expect(index.search({ text: 'potasium' }).map((hit) => hit.messageId).sort()).toEqual(['m1', 'm2']);
		expect(index.search({ text: 'potassium high' }).map((hit) => hit.messageId)).toEqual(['m1']);
	});

	it('finds attachments by file name', () => {
		expect(indexed().search({ text: 'xray' }).map((hit) => hit.messageId)).toEqual(['m3']);
	});

	it('filters by sender, patient, conversation and date range, with or without keywords', () => {
		const index = indexed();
		expect(index.search({ senderUserId: 'nurse' }).map((hit) => hit.messageId)).toEqual(['m3', 'm1']);
		expect(index.search({ text: 'potassium', senderUserId: 'doctor' }).map((hit) => hit.messageId)).toEqual(['m2']);
		expect(index.search({ patientId: 'p1' }).map((hit) => hit.messageId)).toEqual(['m2', 'm1']);
		expect(index.search({ conversationId: 'c3' }).map((hit) => hit.messageId)).toEqual(['m4']);
		expect(index.search({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-05T23:00:00.000Z' }).map((hit) => hit.messageId)).toEqual(['m3', 'm2']);
		expect(index.search({ text: 'potassium', from: '2026-03-02T00:00:00.000Z' }).map((hit) => hit.messageId)).toEqual(['m2']);
	});

	it('returns what a result row shows', () => {
		const [hit] = indexed().search({ text: 'meeting' });
		expect(hit).toMatchObject({ messageId: 'm4', conversationId: 'c3', senderUserId: 'doctor', patientId: null, body: 'Staff meeting moved to Thursday' });
		expect(hit!.score).toBeGreaterThan(0);
	});

	it('forgets retracted messages and conversations I left', () => {
		const index = indexed();
		expect(index.remove('m1')).toBe(true);
		expect(index.search({ text: 'potassium' }).map((hit) => hit.messageId)).toEqual(['m2']);
		expect(index.removeConversation('c1')).toBe(1);
		expect(index.search({ text: 'potassium' })).toEqual([]);
		expect(index.size).toBe(2);
	});

	it('replaces a message indexed twice instead of failing', () => {
		const index = indexed();
		index.add({ ...messages[0]!, body: 'Sodium normal' });
		expect(index.search({ text: 'sodium' }).map((hit) => hit.messageId)).toEqual(['m1']);
		expect(index.size).toBe(4);
	});
});

describe('dateBounds', () => {
	it('reads a bare date as the whole day in local time', () => {
		const { from, to } = dateBounds('2026-03-02', '2026-03-02');
		expect(new Date(from).getHours()).toBe(0);
		expect(to - from).toBe(24 * 60 * 60 * 1000 - 1);
	});

	it('refuses a date it cannot read with a sentence', () => {
		expect(() => dateBounds('yesterday')).toThrow('Enter dates as YYYY-MM-DD.');
	});
});

describe('PersistentMessageIndex', () => {
	it('stores the index encrypted and loads it back', async () => {
		const backend = memoryBackend();
		const key = await generateWrappingKey();
		const persistent = await PersistentMessageIndex.open(new ChatKeyStore(backend, key));
		for (const message of messages) persistent.add(message);
		await persistent.flush();
		const raw = new TextDecoder().decode(new Uint8Array(backend.raw.get('search-index')!.data));
		expect(raw).not.toContain('Potassium');
		const reloaded = await PersistentMessageIndex.open(new ChatKeyStore(backend, key));
		expect(reloaded.search({ text: 'potassium' }).map((hit) => hit.messageId).sort()).toEqual(['m1', 'm2']);
	});

	it('starts empty when the stored index cannot be opened', async () => {
		const backend = memoryBackend();
		const persistent = await PersistentMessageIndex.open(new ChatKeyStore(backend, await generateWrappingKey()));
		persistent.add(messages[0]!);
		await persistent.flush();
		const other = await PersistentMessageIndex.open(new ChatKeyStore(backend, await generateWrappingKey()));
		expect(other.index.size).toBe(0);
	});
});
