/**
 * The durable log's promise, tested the hard way: 20 clinicians type into one note while the
 * server process is SIGKILLed at random moments, 20 times. After each kill, before anyone
 * reconnects, the database alone must hold every paragraph any client saw confirmed; once they
 * reconnect, all 20 must converge to one identical note holding everything anyone wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { signInCookie } from '../server/testing';
import { CollabClient } from './testing/collab-client';
import { freePort } from './testing/free-port';
import { NoteEditor, seededRandom } from './testing/note-editor';
import { paragraphTexts } from './testing/note-paragraphs';
import { ServerProcess } from './testing/server-process';
import { readStoredDocument } from './testing/stored-document';
import { clinicianEmail, createTestClinic, demoPassword, type TestClinic } from './testing/test-clinic';
import { waitUntil } from './testing/wait';

const clientCount = 20;
const rounds = Number(process.env.DURABILITY_ROUNDS ?? 20);
const seed = Number(process.env.DURABILITY_SEED ?? Date.now() % 1_000_000);

describe('durable log under SIGKILL', () => {
	let clinic: TestClinic;
	let server: ServerProcess;
	let dataDir: string;
	let documentName: string;
	const clients: CollabClient[] = [];
	const editors: NoteEditor[] = [];

	beforeAll(async () => {
		clinic = await createTestClinic();
		dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-durability-'));
		server = new ServerProcess({ port: await freePort(), env: { DATABASE_URL: clinic.url, DATA_DIR: dataDir } });
		await server.start();
		documentName = `note:${clinic.mariaEncounterIds[0]}`;
	}, 180_000);

	afterAll(async () => {
		for (const editor of editors) editor.destroy();
		for (const client of clients) client.destroy();
		await server?.kill();
		await clinic?.drop();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});

	it(`loses no confirmed paragraph over ${rounds} kills and converges ${clientCount} clients (seed ${seed})`, async () => {
		const random = seededRandom(seed);
		const cookie = await signInCookie(server.url, clinicianEmail, demoPassword);
		for (let i = 0; i < clientCount; i++) {
			const client = new CollabClient({ serverUrl: server.url, cookie, documentName });
			clients.push(client);
			editors.push(new NoteEditor(client, `c${i}`, seededRandom(seed * 31 + i)));
		}
		const everyClientSignal = (event: string) => [
			...clients.map((c) => [c.doc, 'update'] as [Y.Doc, string]),
			...clients.map((c) => [c.provider, event] as [typeof c.provider, string])
		];
		const stats: { round: number; unconfirmedAtKill: number; confirmedAtKill: number; written: number; restartMs: number }[] = [];

		for (let round = 1; round <= rounds; round++) {
			await Promise.all(clients.map((c) => c.whenReady(30_000)));
			for (const editor of editors) editor.start();
			// The kill lands anywhere: mid-batch, between an append and its acknowledgement, …
			await delay(400 + random() * 1600);
			await server.kill('SIGKILL');
			for (const client of clients) client.disconnect();
			for (const editor of editors) editor.stop();
			const unconfirmedAtKill = editors.reduce((n, e) => n + e.unconfirmed, 0);
			const confirmedAtKill = editors.reduce((n, e) => n + e.confirmed, 0);

			const restartedAt = performance.now();
			await server.start();
			const restartMs = performance.now() - restartedAt;

			// The database alone, before any client is back: every confirmed paragraph is there.
			const stored = await readStoredDocument(clinic.database.db, documentName);
			const storedTexts = new Set(paragraphTexts(stored.doc));
			const lost = editors.flatMap((e) => e.confirmedTexts().filter((text) => !storedTexts.has(text)));
			expect(lost, `round ${round} (seed ${seed}): confirmed paragraphs missing from the database after SIGKILL`).toEqual([]);

			for (const client of clients) client.connect();
			const everyone = () => editors.flatMap((e) => e.written);
			const converged = () => {
				if (!clients.every((c) => c.ready && c.unsyncedChanges === 0)) return false;
				const first = clients[0]!;
				const vector = Y.encodeStateVector(first.doc).toString();
				if (!clients.every((c) => Y.encodeStateVector(c.doc).toString() === vector)) return false;
				return paragraphTexts(first.doc).length === everyone().length;
			};
			await waitUntil(converged, {
				signals: everyClientSignal('unsyncedChanges'),
				timeoutMs: 30_000,
				describe: () =>
					`round ${round} (seed ${seed}): ready ${clients.filter((c) => c.ready).length}/${clientCount}, unsynced ${clients.map((c) => c.unsyncedChanges).join(',')}, paragraphs ${clients.map((c) => paragraphTexts(c.doc).length).join(',')} of ${everyone().length}`
			});
			const reference = paragraphTexts(clients[0]!.doc);
			for (const client of clients) expect(paragraphTexts(client.doc)).toEqual(reference);
			expect(new Set(reference)).toEqual(new Set(everyone()));
			expect(reference.length, 'a paragraph was duplicated').toBe(everyone().length);

			// Now everything is confirmed, so the database holds all of it too.
			const afterSync = paragraphTexts((await readStoredDocument(clinic.database.db, documentName)).doc);
			expect(new Set(afterSync)).toEqual(new Set(everyone()));

			stats.push({
				round,
				unconfirmedAtKill,
				confirmedAtKill,
				written: everyone().length,
				restartMs: Math.round(restartMs)
			});
		}

		expect(server.crashes).toEqual([]);
		// The test only proves something if kills caught updates in flight.
		const caughtInFlight = stats.filter((s) => s.unconfirmedAtKill > 0).length;
		console.info(`durability (seed ${seed}): ${stats.length} rounds, ${stats.at(-1)?.written} paragraphs, kills with updates in flight: ${caughtInFlight}`, stats);
		expect(caughtInFlight).toBeGreaterThan(rounds / 2);
	}, 600_000);
});
