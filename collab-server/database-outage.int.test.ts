/**
 * PostgreSQL unreachable for 30 s while clinicians edit a note. The server reaches the
 * database through a TCP proxy the test cuts (every connection dropped, new ones refused), so
 * the shared PostgreSQL other tests use keeps running. During the outage editors must still
 * see each other live, see "not saved yet" (storage degraded, unsynced changes), and once the
 * database is back everything anyone wrote must be in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { signInCookie } from '../server/testing';
import { testPostgresUrl } from '../db/testing';
import { CollabClient } from './testing/collab-client';
import { freePort } from './testing/free-port';
import { NoteEditor, seededRandom } from './testing/note-editor';
import { insertParagraph, paragraphTexts } from './testing/note-paragraphs';
import { ServerProcess } from './testing/server-process';
import { readStoredDocument } from './testing/stored-document';
import { TcpProxy } from './testing/tcp-proxy';
import { clinicianEmail, createTestClinic, demoPassword, type TestClinic } from './testing/test-clinic';
import { waitUntil } from './testing/wait';

const clientCount = 6;
const outageMs = Number(process.env.OUTAGE_MS ?? 30_000);

function storageStates(client: CollabClient): string[] {
	return client.stateless.flatMap((payload) => {
		try {
			const message = JSON.parse(payload) as { type?: string; state?: string };
			return message.type === 'storage' && message.state ? [message.state] : [];
		} catch {
			return [];
		}
	});
}

describe('database outage while editing', () => {
	let clinic: TestClinic;
	let proxy: TcpProxy;
	let server: ServerProcess;
	let dataDir: string;
	const clients: CollabClient[] = [];
	const editors: NoteEditor[] = [];

	beforeAll(async () => {
		clinic = await createTestClinic();
		const postgres = new URL(testPostgresUrl);
		proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) }, await freePort());
		await proxy.start();
		dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-outage-'));
		server = new ServerProcess({ port: await freePort(), env: { DATABASE_URL: proxy.proxiedUrl(clinic.url), DATA_DIR: dataDir } });
		await server.start();
	}, 180_000);

	afterAll(async () => {
		for (const editor of editors) editor.destroy();
		for (const client of clients) client.destroy();
		await server?.kill();
		await proxy?.stop();
		await clinic?.drop();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});

	it(`keeps editing live through ${outageMs / 1000} s without the database and loses nothing`, async () => {
		const documentName = `note:${clinic.mariaEncounterIds[0]}`;
		const cookie = await signInCookie(server.url, clinicianEmail, demoPassword);
		for (let i = 0; i < clientCount; i++) {
			const client = new CollabClient({ serverUrl: server.url, cookie, documentName });
			clients.push(client);
			editors.push(new NoteEditor(client, `c${i}`, seededRandom(100 + i), [80, 200]));
		}
		await Promise.all(clients.map((c) => c.whenReady()));
		const allSignals = (event: string) => [...clients.map((c) => [c.doc, 'update'] as [Y.Doc, string]), ...clients.map((c) => [c.provider, event] as [typeof c.provider, string])];

		// Before: edits are confirmed as they are made.
		for (const editor of editors) editor.start();
		await delay(2_000);
		expect(editors.every((e) => e.confirmed > 0)).toBe(true);

		proxy.cut();
		const cutAt = Date.now();
		const confirmedAtCut = editors.map((e) => e.written.length);

		// Every editor is told "not saved yet".
		await waitUntil(() => clients.every((c) => storageStates(c).includes('degraded')), {
			signals: clients.map((c) => [c.provider, 'stateless'] as [typeof c.provider, string]),
			timeoutMs: 15_000,
			describe: () => `storage states: ${clients.map((c) => storageStates(c).join('/')).join(', ')}`
		});

		// Still live: a paragraph each editor writes now reaches every other editor at once.
		for (const [i, editor] of editors.entries()) {
			const marker = `live-during-outage-${i}`;
			insertParagraph(editor.client.doc, marker);
			const seenAt = Date.now();
			await waitUntil(() => clients.every((c) => paragraphTexts(c.doc).includes(marker)), {
				signals: allSignals('unsyncedChanges'),
				timeoutMs: 2_000,
				describe: () => `${marker} reached ${clients.filter((c) => paragraphTexts(c.doc).includes(marker)).length}/${clientCount} editors`
			});
			expect(Date.now() - seenAt).toBeLessThan(2_000);
		}

		await delay(Math.max(0, outageMs - (Date.now() - cutAt)));
		// Nothing written during the outage can have been confirmed.
		expect(clients.every((c) => c.unsyncedChanges > 0)).toBe(true);
		for (const [i, editor] of editors.entries()) expect(editor.confirmed).toBeLessThanOrEqual(confirmedAtCut[i]!);
		expect(server.running).toBe(true);
		expect(clients.every((c) => c.connected)).toBe(true);

		proxy.restore();
		const restoredAt = Date.now();
		await waitUntil(() => clients.every((c) => storageStates(c).at(-1) === 'ok'), {
			signals: clients.map((c) => [c.provider, 'stateless'] as [typeof c.provider, string]),
			timeoutMs: 60_000,
			describe: () => `storage states: ${clients.map((c) => storageStates(c).join('/')).join(', ')}`
		});
		for (const editor of editors) editor.stop();
		await Promise.all(clients.map((c) => c.whenSaved(60_000)));
		const recoveryMs = Date.now() - restoredAt;

		// Everything anyone wrote (before, during and after the outage) is in the database…
		const everyone = [...editors.flatMap((e) => e.written), ...editors.map((_, i) => `live-during-outage-${i}`)];
		const stored = await readStoredDocument(clinic.database.db, documentName);
		const storedTexts = new Set(paragraphTexts(stored.doc));
		expect(everyone.filter((text) => !storedTexts.has(text))).toEqual([]);
		// …and every editor holds the same note.
		await waitUntil(() => clients.every((c) => Y.encodeStateVector(c.doc).toString() === Y.encodeStateVector(clients[0]!.doc).toString()), {
			signals: allSignals('unsyncedChanges'),
			timeoutMs: 10_000,
			describe: () => 'state vectors differ'
		});
		const reference = paragraphTexts(clients[0]!.doc);
		for (const client of clients) expect(paragraphTexts(client.doc)).toEqual(reference);
		expect(new Set(reference)).toEqual(new Set(everyone));
		expect(paragraphTexts(stored.doc).length).toBe(reference.length);
		expect(await server.healthy()).toBe(true);
		expect(server.crashes).toEqual([]);
		console.info(
			`database outage: ${outageMs} ms cut, ${proxy.refusedConnections} reconnection attempts refused, saved again ${recoveryMs} ms after restore, ${everyone.length} paragraphs`
		);
	}, 240_000);
});
