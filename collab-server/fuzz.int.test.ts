/**
 * 10,000 hostile frames over real websockets against the real server process. The server must
 * stay up, a legitimate clinician's note must come out byte-for-byte as it went in (in their
 * editor, for a new reader, and in the database), and a frame over 1 MB must be refused: over the
 * websocket's frame cap the socket closes with 1009 (Message Too Big); an update just over 1 MB
 * (under the cap) is refused with a reason in words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { eq } from 'drizzle-orm';
import { signInCookie } from '../server/testing';
import { encounters, patients } from '../db/schema/index';
import { CollabClient } from './testing/collab-client';
import { freePort } from './testing/free-port';
import { fuzzFrame, paragraphUpdate, type FuzzTargets } from './testing/fuzz-frames';
import { frameTypes, authTypes, updateFrame } from './testing/hocuspocus-frames';
import { seededRandom } from './testing/note-editor';
import { insertParagraph, paragraphTexts } from './testing/note-paragraphs';
import { RawCollabSocket, type SocketClose } from './testing/raw-collab-socket';
import { ServerProcess } from './testing/server-process';
import { readStoredDocument } from './testing/stored-document';
import { waitUntil } from './testing/wait';
import { careTeamEncounters, clinicianEmail, createTestClinic, demoPassword, type TestClinic } from './testing/test-clinic';

const frameCount = Number(process.env.FUZZ_FRAMES ?? 10_000);
const socketCount = 4;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

interface NoteState {
	paragraphs: string[];
	stateVector: string;
	json: string;
}

function noteState(doc: Y.Doc): NoteState {
	return { paragraphs: paragraphTexts(doc), stateVector: Y.encodeStateVector(doc).toString(), json: JSON.stringify(doc.toJSON()) };
}

describe('fuzzing the collaboration socket', () => {
	let clinic: TestClinic;
	let server: ServerProcess;
	let dataDir: string;
	let cookie: string;
	let targets: FuzzTargets;
	let legit: CollabClient;

	beforeAll(async () => {
		clinic = await createTestClinic({ patientCount: 40 });
		dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-fuzz-'));
		server = new ServerProcess({ port: await freePort(), env: { DATABASE_URL: clinic.url, DATA_DIR: dataDir } });
		await server.start();
		cookie = await signInCookie(server.url, clinicianEmail, demoPassword);
		// A patient outside Dr. Chen's care teams: their note must stay closed to the fuzzer.
		const allowed = new Set((await careTeamEncounters(clinic)).map((e) => e.patientId));
		const others = await clinic.database.db.select({ id: encounters.id, patientId: encounters.patientId }).from(encounters).innerJoin(patients, eq(patients.id, encounters.patientId));
		const outside = others.find((e) => !allowed.has(e.patientId));
		if (!outside) throw new Error('Every demo patient is on Dr. Chen’s care team; the forbidden case needs one who is not.');
		targets = { guarded: `note:${clinic.mariaEncounterIds[0]}`, playground: `note:${clinic.mariaEncounterIds[1]}`, forbidden: `note:${outside.id}` };
	}, 180_000);

	afterAll(async () => {
		legit?.destroy();
		await server?.kill();
		await clinic?.drop();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});

	it(`survives ${frameCount} hostile frames with the note intact (seed ${seed})`, async () => {
		legit = new CollabClient({ serverUrl: server.url, cookie, documentName: targets.guarded });
		await legit.whenReady();
		for (let i = 0; i < 20; i++) insertParagraph(legit.doc, `legit-${i}`);
		await legit.whenSaved();
		const before = noteState(legit.doc);
		let changesSeenByLegit = 0;
		legit.doc.on('update', () => (changesSeenByLegit += 1));
		let legitDisconnects = 0;
		legit.socket.on('disconnect', () => (legitDisconnects += 1));

		const closes = new Map<string, number>();
		const sentByKind = new Map<string, number>();
		const closeKinds = new Map<string, number>();
		const documentRefusals = new Map<string, number>();
		let delivered = 0;
		let next = 0;

		const worker = async (index: number) => {
			const random = seededRandom(seed * 7 + index);
			let socket: RawCollabSocket | null = null;
			let documentClosed = false;
			const reopen = async () => {
				socket?.terminate();
				socket = await RawCollabSocket.open(server.url, cookie);
				documentClosed = false;
				// A document closed on this socket (refused update, CLOSE): start over on a fresh one,
				// so the next frames reach the document handlers again instead of the auth queue.
				socket.onFrame((frame) => {
					const refused = frame.type === frameTypes.auth && frame.auth?.type === authTypes.permissionDenied;
					if (frame.type !== frameTypes.close && !refused) return;
					const reason = (frame.text ?? frame.auth?.text ?? '').replace(/"[^"]*"/g, '"…"');
					documentRefusals.set(reason, (documentRefusals.get(reason) ?? 0) + 1);
					if (frame.type === frameTypes.close || frame.documentName !== targets.forbidden) documentClosed = true;
				});
				for (const name of [targets.guarded, targets.playground]) {
					const refusal = await socket.openDocument(name);
					if (refusal !== null && !refusal.startsWith('socket closed')) throw new Error(`${name} refused: ${refusal}`);
				}
			};
			while (next < frameCount) {
				next += 1;
				if (!socket || !(socket as RawCollabSocket).isOpen || documentClosed) await reopen();
				const s = socket as unknown as RawCollabSocket;
				const { kind, data } = fuzzFrame(random, targets);
				sentByKind.set(kind, (sentByKind.get(kind) ?? 0) + 1);
				s.send(data);
				const outcome = await s.roundTrip(15_000).catch((error: Error) => {
					throw new Error(`after a "${kind}" frame: ${error.message}`);
				});
				delivered += 1;
				if (outcome === 'closed') {
					const close = s.closeEvent as SocketClose;
					const key = `${close.code} ${close.reason}`;
					closes.set(key, (closes.get(key) ?? 0) + 1);
					closeKinds.set(kind, (closeKinds.get(kind) ?? 0) + 1);
				}
				if (!server.running) throw new Error(`the server exited after a "${kind}" frame:\n${server.output()}`);
			}
			(socket as RawCollabSocket | null)?.close();
		};
		await Promise.all(Array.from({ length: socketCount }, (_, i) => worker(i)));
		console.info(`fuzz (seed ${seed}): ${delivered} frames`, { sentByKind: Object.fromEntries(sentByKind), socketClosesByReason: Object.fromEntries(closes), socketClosesByKind: Object.fromEntries(closeKinds), documentRefusals: Object.fromEntries(documentRefusals) });

		expect(delivered).toBe(frameCount);
		expect(server.running).toBe(true);
		expect(server.crashes).toEqual([]);
		expect(await server.healthy()).toBe(true);
		// The clinician noticed nothing: no change arrived, the socket stayed up.
		expect(changesSeenByLegit).toBe(0);
		expect(legitDisconnects).toBe(0);
		expect(noteState(legit.doc)).toEqual(before);
		// A new reader gets exactly the same note from the server…
		const reader = new CollabClient({ serverUrl: server.url, cookie, documentName: targets.guarded });
		try {
			await reader.whenReady();
			expect(noteState(reader.doc)).toEqual(before);
		} finally {
			reader.destroy();
		}
		// …and so does the database.
		const stored = await readStoredDocument(clinic.database.db, targets.guarded);
		expect(noteState(stored.doc)).toEqual(before);
		// The playground took bit-flipped updates: still loadable, by a client and from the log.
		const playground = new CollabClient({ serverUrl: server.url, cookie, documentName: targets.playground });
		try {
			await playground.whenReady();
		} finally {
			playground.destroy();
		}
		await readStoredDocument(clinic.database.db, targets.playground);
		// The legitimate client still edits and is confirmed.
		insertParagraph(legit.doc, 'legit-after-fuzz');
		await legit.whenSaved();
	}, 300_000);

	it('refuses a frame over the websocket cap (1009) and an update over 1 MB with a reason, and keeps the note untouched', async () => {
		const before = noteState(legit.doc);
		const socket = await RawCollabSocket.open(server.url, cookie);
		expect(await socket.openDocument(targets.guarded)).toBeNull();
		// The websocket's own frame cap is four times the update limit (collab-server.ts).
		socket.send(new Uint8Array(5 * 1024 * 1024));
		const close = await socket.whenClosed();
		// Over the websocket's own frame cap, ws closes with 1009 "Message Too Big" and no text
		// (ws' receiverOnError calls close(code) alone); the code is the reason a client can show.
		expect(close.code).toBe(1009);

		// A valid update just over 1 MB (under the websocket's own frame cap): refused with a reason.
		const big = await RawCollabSocket.open(server.url, cookie);
		expect(await big.openDocument(targets.guarded)).toBeNull();
		const reasons: string[] = [];
		big.onFrame((frame) => {
			if (frame.type === frameTypes.close && frame.text) reasons.push(frame.text);
			if (frame.type === frameTypes.auth && frame.auth?.type === authTypes.permissionDenied) reasons.push(frame.auth.text);
		});
		big.send(updateFrame(targets.guarded, paragraphUpdate(seededRandom(seed), 'x'.repeat(1024 * 1024 + 10))));
		void big.whenClosed().then((close) => reasons.push(close.reason));
		// The refusal may come after the websocket's pong: the size check is an async hook.
		await waitUntil(() => reasons.some((r) => r !== ''), {
			signals: [
				[big.ws, 'message'],
				[big.ws, 'close']
			],
			timeoutMs: 10_000,
			describe: () => `no reason given for an update over 1 MB (got ${JSON.stringify(reasons)})`
		});
		big.terminate();

		expect(noteState(legit.doc)).toEqual(before);
		const stored = await readStoredDocument(clinic.database.db, targets.guarded);
		expect(noteState(stored.doc)).toEqual(before);
		expect(server.running).toBe(true);
		expect(await server.healthy()).toBe(true);
	}, 60_000);
});
