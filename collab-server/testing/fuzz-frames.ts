/**
 * Hostile frames for the collaboration server: random bytes, and real Hocuspocus frames made
 * wrong in the ways a buggy or malicious client could (lengths that lie, huge varints, unknown
 * types, truncated or garbage Yjs updates, documents never opened, shapes the server must
 * refuse). Frames aimed at the guarded document must never change it; the ones that could be
 * valid by chance (bit flips of a real update) go to a playground document.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { authTypes, frameTypes, rawFrame, syncStep1Frame, syncTypes, updateFrame, awarenessFrame, statelessFrame, authFrame } from './hocuspocus-frames';
import { insertParagraph } from './note-paragraphs';

export interface FuzzTargets {
	/** The document a legitimate client holds; nothing sent here may change it. */
	guarded: string;
	/** A document that mutated-but-valid updates may change. */
	playground: string;
	/** A document of a patient the fuzzing person may not open. */
	forbidden: string;
}

export interface FuzzFrame {
	kind: string;
	/** Binary frame, or a string for a text websocket frame. */
	data: Uint8Array | string;
}

type Generator = (random: () => number, targets: FuzzTargets) => FuzzFrame;

function bytes(random: () => number, length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
	return out;
}

function pick<T>(random: () => number, items: readonly T[]): T {
	return items[Math.floor(random() * items.length)]!;
}

/** Mostly short, sometimes long: most parsers break on the first few bytes. */
function randomLength(random: () => number): number {
	const r = random();
	if (r < 0.3) return Math.floor(random() * 16);
	if (r < 0.9) return Math.floor(random() * 512);
	return Math.floor(random() * 64 * 1024);
}

function randomUuid(random: () => number): string {
	const hex = Array.from(bytes(random, 16), (b) => b.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A real, valid Yjs update that inserts a paragraph into a note (from a fresh client). */
export function paragraphUpdate(random: () => number, text = `fuzz-${Math.floor(random() * 1e9)}`): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = 1 + Math.floor(random() * 2 ** 30);
	insertParagraph(doc, text);
	const update = Y.encodeStateAsUpdate(doc);
	doc.destroy();
	return update;
}

/** Valid Yjs updates that break the note's shape: the server must refuse them. */
function shapeViolation(random: () => number): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = 1 + Math.floor(random() * 2 ** 30);
	switch (Math.floor(random() * 5)) {
		case 0:
			doc.getMap('evil').set('x', 1);
			break;
		case 1: {
			const script = new Y.XmlElement('script');
			script.insert(0, [new Y.XmlText('alert(1)')]);
			doc.getXmlFragment('default').insert(0, [script]);
			break;
		}
		case 2:
			doc.getMap('meta').set('template', 42);
			break;
		case 3:
			doc.getArray('default2').insert(0, ['x']);
			break;
		default:
			doc.getText('meta2').insert(0, 'x');
	}
	const update = Y.encodeStateAsUpdate(doc);
	doc.destroy();
	return update;
}

function hugeVarint(random: () => number): Uint8Array {
	// Continuation bits all the way: lib0 reads past 53 bits or runs off the end.
	return new Uint8Array(Array.from({ length: 5 + Math.floor(random() * 12) }, () => 0x80 | Math.floor(random() * 128)));
}

function withLyingLength(documentName: string, update: Uint8Array, random: () => number): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarString(encoder, documentName);
	encoding.writeVarUint(encoder, frameTypes.sync);
	encoding.writeVarUint(encoder, syncTypes.update);
	const lie = pick(random, [update.length + 1 + Math.floor(random() * 100), Math.max(0, update.length - 1 - Math.floor(random() * update.length)), 2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]);
	encoding.writeVarUint(encoder, lie);
	encoding.writeUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

function flipBits(random: () => number, data: Uint8Array): Uint8Array {
	const out = data.slice();
	const flips = 1 + Math.floor(random() * 4);
	for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)]! ^= 1 << Math.floor(random() * 8);
	return out;
}

const generators: [string, number, Generator][] = [
	['random bytes', 12, (r) => ({ kind: 'random bytes', data: bytes(r, randomLength(r)) })],
	['empty frame', 1, () => ({ kind: 'empty frame', data: new Uint8Array(0) })],
	['text frame', 2, (r) => ({ kind: 'text frame', data: pick(r, ['hello', '{"type":"auth"}', '\u0000\u0001', 'x'.repeat(randomLength(r))]) })],
	['name then random bytes', 8, (r, t) => ({ kind: 'name then random bytes', data: rawFrame(pick(r, [t.guarded, t.playground]), Math.floor(r() * 12), bytes(r, randomLength(r))) })],
	[
		'sync with garbage update',
		10,
		(r, t) => ({ kind: 'sync with garbage update', data: updateFrame(t.guarded, bytes(r, randomLength(r)), pick(r, [syncTypes.step2, syncTypes.update])) })
	],
	[
		'truncated update',
		8,
		(r, t) => {
			const update = paragraphUpdate(r);
			// Any proper prefix, including the one that loses only the trailing delete set.
			const cut = r() < 0.25 ? update.length - 1 : 1 + Math.floor(r() * (update.length - 1));
			return { kind: 'truncated update', data: updateFrame(t.guarded, update.slice(0, cut), pick(r, [syncTypes.step2, syncTypes.update])) };
		}
	],
	[
		'truncated frame',
		6,
		(r, t) => {
			const frame = updateFrame(t.guarded, paragraphUpdate(r));
			return { kind: 'truncated frame', data: frame.slice(0, 1 + Math.floor(r() * (frame.length - 1))) };
		}
	],
	['lying length', 6, (r, t) => ({ kind: 'lying length', data: withLyingLength(t.guarded, paragraphUpdate(r), r) })],
	[
		'huge varint',
		6,
		(r, t) => {
			const where = Math.floor(r() * 4);
			const encoder = encoding.createEncoder();
			if (where === 0) {
				encoding.writeUint8Array(encoder, hugeVarint(r)); // the name's length
			} else {
				encoding.writeVarString(encoder, t.guarded);
				if (where === 1) encoding.writeUint8Array(encoder, hugeVarint(r)); // the type
				else {
					encoding.writeVarUint(encoder, frameTypes.sync);
					if (where === 2) encoding.writeUint8Array(encoder, hugeVarint(r)); // the sync type
					else {
						encoding.writeVarUint(encoder, syncTypes.update);
						encoding.writeUint8Array(encoder, hugeVarint(r)); // the update's length
					}
				}
			}
			encoding.writeUint8Array(encoder, bytes(r, Math.floor(r() * 32)));
			return { kind: 'huge varint', data: encoding.toUint8Array(encoder) };
		}
	],
	[
		'wrong message type',
		6,
		(r, t) => ({
			kind: 'wrong message type',
			data: rawFrame(t.guarded, pick(r, [frameTypes.broadcastStateless, frameTypes.syncStatus, frameTypes.ping, frameTypes.pong, 11, 99, 127, 128, 2 ** 16, 2 ** 31]), bytes(r, randomLength(r)))
		})
	],
	[
		'wrong sync type',
		4,
		(r, t) => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, pick(r, [3, 4, 7, 200, 2 ** 20]));
			encoding.writeUint8Array(encoder, bytes(r, randomLength(r)));
			return { kind: 'wrong sync type', data: rawFrame(t.guarded, frameTypes.sync, encoding.toUint8Array(encoder)) };
		}
	],
	['garbage state vector', 4, (r, t) => ({ kind: 'garbage state vector', data: syncStep1Frame(t.guarded, bytes(r, randomLength(r))) })],
	[
		'document not opened',
		8,
		(r) => {
			const name = pick(r, [`note:${randomUuid(r)}`, `chart:${randomUuid(r)}`, `plan:${randomUuid(r)}`, 'note:', '', 'x'.repeat(10_000), `note:${randomUuid(r)}\u0000session`, '\u0000', '../../etc']);
			const data = pick(r, [updateFrame(name, paragraphUpdate(r)), syncStep1Frame(name, new Uint8Array([0])), rawFrame(name, Math.floor(r() * 10), bytes(r, 64))]);
			return { kind: 'document not opened', data };
		}
	],
	['forbidden document', 2, (r, t) => ({ kind: 'forbidden document', data: pick(r, [authFrame(t.forbidden), updateFrame(t.forbidden, paragraphUpdate(r))]) })],
	['shape violation', 6, (r, t) => ({ kind: 'shape violation', data: updateFrame(t.guarded, shapeViolation(r), pick(r, [syncTypes.step2, syncTypes.update])) })],
	['bit-flipped update', 6, (r, t) => ({ kind: 'bit-flipped update', data: updateFrame(t.playground, flipBits(r, paragraphUpdate(r))) })],
	[
		'awareness garbage',
		5,
		(r, t) => {
			let update: Uint8Array;
			if (r() < 0.5) update = bytes(r, randomLength(r));
			else {
				// A well-formed awareness update with a state no client would send.
				const doc = new Y.Doc();
				const awareness = new Awareness(doc);
				awareness.setLocalState(pick(r, [{ user: { id: 'spoofed', name: 'Dr. Nobody', role: 'admin' } }, { x: 'y'.repeat(randomLength(r)) }, { nested: { a: [1, 2, { b: null }] } }]));
				update = encodeAwarenessUpdate(awareness, [doc.clientID]);
				awareness.destroy();
				doc.destroy();
			}
			return { kind: 'awareness garbage', data: awarenessFrame(t.guarded, update) };
		}
	],
	['query awareness', 1, (r, t) => ({ kind: 'query awareness', data: rawFrame(t.guarded, frameTypes.queryAwareness, bytes(r, Math.floor(r() * 8))) })],
	['stateless garbage', 3, (r, t) => ({ kind: 'stateless garbage', data: statelessFrame(t.guarded, pick(r, ['{"type":"storage","state":"ok"}', '{', 'x'.repeat(randomLength(r)), '\uD800'])) })],
	[
		'auth garbage',
		3,
		(r, t) => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, pick(r, [authTypes.token, authTypes.permissionDenied, authTypes.authenticated, 9, 2 ** 20]));
			encoding.writeUint8Array(encoder, bytes(r, Math.floor(r() * 64)));
			return { kind: 'auth garbage', data: rawFrame(t.guarded, frameTypes.auth, encoding.toUint8Array(encoder)) };
		}
	],
	['close message', 1, (_r, t) => ({ kind: 'close message', data: rawFrame(t.guarded, frameTypes.close, new Uint8Array(0)) })]
];

const totalWeight = generators.reduce((sum, [, weight]) => sum + weight, 0);

export function fuzzFrame(random: () => number, targets: FuzzTargets): FuzzFrame {
	let ticket = random() * totalWeight;
	for (const [, weight, generate] of generators) {
		ticket -= weight;
		if (ticket < 0) return generate(random, targets);
	}
	return generators[0]![2](random, targets);
}

export const fuzzKinds = generators.map(([kind]) => kind);
