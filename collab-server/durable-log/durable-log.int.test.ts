import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../db/testing';
import { docUpdates } from '../../db/schema/index';
import { createLogger } from '../../app/lib/server/platform/logger';
import { DocumentLogWriter } from './log-writer';
import { readStoredDocument, writeSnapshot } from './document-store';
import { documentStateAt } from '../../app/lib/server/collab/history';

const logger = createLogger('silent');

describe.each(testDatabaseKinds)('the document log (%s)', (kind) => {
	let database: TestDatabase;
	beforeAll(async () => {
		database = await createTestDatabase(kind);
	});
	afterAll(async () => {
		await database?.drop();
	});

	/** A live document whose every update is appended, as DurableLogExtension does. */
	const liveDocument = (name: string, writer: DocumentLogWriter) => {
		const doc = new Y.Doc();
		doc.on('update', (update: Uint8Array) => writer.append({ documentName: name, update, authorUserId: null, origin: 'client', parts: ['note'] }));
		return doc;
	};

	it('batches appends and resolves whenDurable only once they are committed', async () => {
		const writer = new DocumentLogWriter(database.db, logger, { batchDelayMs: 5 });
		const doc = liveDocument('note:batch', writer);
		for (let i = 0; i < 50; i++) doc.getMap('meta').set(`k${i}`, i);
		expect(writer.backlog).toBe(50);
		await writer.whenDurable('note:batch');
		expect(writer.backlog).toBe(0);
		const rows = await database.db.select().from(docUpdates).where(eq(docUpdates.documentName, 'note:batch')).orderBy(asc(docUpdates.seq));
		expect(rows).toHaveLength(50);
		const reloaded = new Y.Doc();
		for (const row of rows) Y.applyUpdate(reloaded, row.update);
		expect(reloaded.getMap('meta').toJSON()).toEqual(doc.getMap('meta').toJSON());
		await writer.close();
	});

	it('loads from a snapshot plus the rows after it, and keeps every row for the history', async () => {
		const writer = new DocumentLogWriter(database.db, logger);
		const doc = liveDocument('note:snap', writer);
		doc.getMap('meta').set('template', 'soap');
		const text = doc.getText('t');
		text.insert(0, 'first');
		await writer.whenDurable('note:snap');
		const upto = await writeSnapshot(database.db, 'note:snap', doc);
		expect(upto).not.toBeNull();
		text.insert(5, ' second');
		await writer.whenDurable('note:snap');

		const stored = await readStoredDocument(database.db, 'note:snap');
		expect(stored.tailRows).toBe(1);
		const loaded = new Y.Doc();
		for (const update of stored.updates) Y.applyUpdate(loaded, update);
		expect(loaded.getText('t').toString()).toBe('first second');

		// The first version is still there: the row after 'first' rebuilds it.
		const rows = await database.db.select({ seq: docUpdates.seq }).from(docUpdates).where(eq(docUpdates.documentName, 'note:snap')).orderBy(asc(docUpdates.seq));
		expect(rows).toHaveLength(3);
		const version = await documentStateAt(database.db, 'note:snap', Number(rows[1]!.seq));
		expect(version!.getText('t').toString()).toBe('first');
		expect(await documentStateAt(database.db, 'note:snap', 123456789)).toBeNull();
		await writer.close();
	});

	it('keeps appends queued while the database refuses them, says so, and writes them when it is back', async () => {
		const health: boolean[] = [];
		// A database handle whose inserts fail until `outage` is lifted stands in for an unreachable server.
		let outage = true;
		const flaky = new Proxy(database.db, {
			get(target, property, receiver) {
				if (property === 'insert' && outage) return () => ({ values: () => Promise.reject(new Error('connection refused')) });
				return Reflect.get(target, property, receiver);
			}
		});
		const writer = new DocumentLogWriter(flaky, logger, { retryDelaysMs: [5, 10], onHealthChange: (healthy) => health.push(healthy) });
		const doc = liveDocument('note:outage', writer);
		doc.getText('t').insert(0, 'kept through the outage');
		let durable = false;
		const whenDurable = writer.whenDurable('note:outage').then(() => (durable = true));
		await new Promise<void>((resolve) => {
			const check = () => (health.length > 0 ? resolve() : setTimeout(check, 5));
			check();
		});
		expect(health).toEqual([false]);
		expect(durable).toBe(false);
		expect(writer.backlog).toBe(1);
		outage = false;
		await whenDurable;
		expect(health).toEqual([false, true]);
		const stored = await readStoredDocument(database.db, 'note:outage');
		const loaded = new Y.Doc();
		for (const update of stored.updates) Y.applyUpdate(loaded, update);
		expect(loaded.getText('t').toString()).toBe('kept through the outage');
		await writer.close();
	});
});
