/**
 * Collaboration server benchmark: `npm run bench:collab [-- --json] [--quick] [--only a,b,c,d,e]`.
 *
 * One run, on this machine, side by side: ours (the real composition root with the durable log
 * on PostgreSQL and every extension), bare @hocuspocus/server (no extensions, defaults) and the
 * reference @y/websocket-server driven by y-websocket clients. Each server runs in a child
 * process of its own (memory is per server; the clients, here, get the other core). Figures:
 * (a) update fan-out latency, (b) sustained confirmed updates/s, (c) cold load of a chart with
 * 10,000 updates of history, (d) memory per idle connection and per loaded document, (e) 5,000
 * concurrent connections held by one process. `--servers ours,hocuspocus,y-websocket` picks servers.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { eq, max, sql } from 'drizzle-orm';
import { docSnapshots, docUpdates } from '../db/schema/index';
import * as Y from 'yjs';
import { chartSectionText } from '../app/lib/collab/chart-shape';
import { createBenchClinic, chartHistory, writeHistory, type BenchClinic } from './collab/bench-clinic';
import { BenchServer, type MemoryFigures } from './collab/server-handle';
import type { ServerKind } from './collab/server-child';
import { observeStamped, openEditors, sendStamped, type BenchEditor } from './collab/editors';
import { connectRaw, openMany, type RawConnection } from './collab/raw-connections';
import { median, round, summarize, type LatencySummary } from './collab/stats';

const kinds: ServerKind[] = ['ours', 'hocuspocus', 'y-websocket'];
const kindNames: Record<ServerKind, string> = { ours: 'ours (durable)', hocuspocus: 'bare Hocuspocus', 'y-websocket': 'y-websocket' };
const targets = { fanOutP99VsBare: 1.25, durableUpdatesPerSecond: 5_000, coldLoadMs: 30 };

interface Settings {
	fanOutMs: number;
	warmUpMs: number;
	throughputMs: number;
	historyUpdates: number;
	coldLoads: number;
	idleConnections: number;
	loadedDocuments: number;
	heldConnections: number;
}

interface FanOutResult extends LatencySummary {
	editors: number;
	documents: number;
	sent: number;
	/** Receipts measured / receipts expected in the window. */
	delivered: number;
}

interface ServerResults {
	fanOutOneDocument?: FanOutResult;
	fanOutManyDocuments?: FanOutResult;
	throughput?: { updatesPerSecond: number; confirmation: string; writers: number; window: number };
	coldLoad?: { ms: number[]; medianMs: number; updates: number; from: string };
	/** Ours only: the same history as bare log rows with no snapshot (a crash before any snapshot). */
	coldLoadWorstCase?: { ms: number[]; medianMs: number; updates: number; from: string };
	memory?: { perIdleConnectionKiB: number; perIdleConnectionRssKiB: number; perLoadedDocumentKiB: number; perLoadedDocumentRssKiB: number; baseline: MemoryFigures };
	connections?: { attempted: number; held: number; failures: number; openSeconds: number; heapMiB: number; rssMiB: number; firstFailure?: string };
}

function progress(message: string): void {
	process.stderr.write(`${message}\n`);
}

/** Hands out documents no earlier scenario touched (ours keeps them in PostgreSQL). */
class DocumentPool {
	private next = 0;
	constructor(private readonly names: string[]) {}
	take(count: number): string[] {
		if (this.next + count > this.names.length) throw new Error(`The benchmark clinic has ${this.names.length} notes; ${this.next + count} are needed.`);
		const taken = this.names.slice(this.next, this.next + count);
		this.next += count;
		return taken;
	}
}

async function withServer<T>(kind: ServerKind, bench: BenchClinic, run: (server: BenchServer) => Promise<T>): Promise<T> {
	const server = await BenchServer.start(kind, { BENCH_DATABASE_URL: bench.clinic.url });
	try {
		return await run(server);
	} finally {
		await server.stop();
	}
}

function cookieFor(server: BenchServer, bench: BenchClinic): string | undefined {
	return server.kind === 'ours' ? bench.cookie : undefined;
}

function destroyAll(editors: BenchEditor[]): void {
	for (const editor of editors) editor.destroy();
}

/** (a) Every editor appends a stamped paragraph every intervalMs; receivers record the delay. */
async function fanOut(server: BenchServer, bench: BenchClinic, documents: string[], editorsPerDocument: number, intervalMs: number, settings: Settings): Promise<FanOutResult> {
	const names = documents.flatMap((name) => Array.from({ length: editorsPerDocument }, () => name));
	const editors = await openEditors(server, names, cookieFor(server, bench));
	const latencies: number[] = [];
	let measuring = false;
	let sent = 0;
	for (const editor of editors) observeStamped(editor, (ms) => measuring && latencies.push(ms));
	const timers = editors.map((editor, i) => {
		// Spread the editors over the interval, as people typing are.
		const start = setTimeout(() => {
			const tick = () => {
				sendStamped(editor, `e${i}`);
				if (measuring) sent += 1;
			};
			tick();
			timers[i] = setInterval(tick, intervalMs);
		}, Math.random() * intervalMs);
		return start as NodeJS.Timeout;
	});
	await delay(settings.warmUpMs);
	measuring = true;
	await delay(settings.fanOutMs);
	measuring = false;
	for (const timer of timers) clearInterval(timer);
	await delay(200);
	destroyAll(editors);
	const expected = sent * (editorsPerDocument - 1);
	return { ...summarize(latencies), editors: editors.length, documents: documents.length, sent, delivered: round(expected ? latencies.length / expected : 0, 3) };
}

/** (b) Writers keep `window` updates in flight and send another at each confirmation. */
async function throughput(server: BenchServer, bench: BenchClinic, documents: string[], writersPerDocument: number, window: number, settings: Settings) {
	const names = documents.flatMap((name) => Array.from({ length: writersPerDocument }, () => name));
	const writers = await openEditors(server, names, cookieFor(server, bench));
	let running = true;
	let confirmedInWindow = 0;
	let measuring = false;
	if (server.kind === 'y-websocket') {
		// No acknowledgement exists: count updates the server relayed to a listener on each document.
		const listeners = await openEditors(server, documents, undefined);
		const inFlight = writers.map(() => 0);
		const pump = (i: number) => {
			while (running && inFlight[i]! < window) {
				inFlight[i]! += 1;
				sendStamped(writers[i]!, `w${i}`);
			}
		};
		for (const listener of listeners) {
			listener.doc.getXmlFragment('default').observe((event) => {
				for (const item of event.changes.added) {
					for (const node of item.content.getContent()) {
						if (!(node instanceof Y.XmlElement)) continue;
						const text = String((node.get(0) as Y.XmlText | undefined)?.toString() ?? '');
						const i = Number(text.slice(1, text.indexOf('@')));
						if (measuring) confirmedInWindow += 1;
						inFlight[i]! -= 1;
						setImmediate(() => pump(i));
					}
				}
			});
		}
		writers.forEach((_, i) => pump(i));
		await delay(settings.warmUpMs);
		measuring = true;
		await delay(settings.throughputMs);
		measuring = false;
		running = false;
		destroyAll(listeners);
	} else {
		const pump = (writer: BenchEditor, i: number) => {
			while (running && writer.unconfirmed < window) sendStamped(writer, `w${i}`);
		};
		writers.forEach((writer, i) => {
			writer.onConfirmed(() => {
				if (measuring) confirmedInWindow += 1;
				setImmediate(() => pump(writer, i));
			});
			pump(writer, i);
		});
		await delay(settings.warmUpMs);
		measuring = true;
		await delay(settings.throughputMs);
		measuring = false;
		running = false;
	}
	await delay(200);
	destroyAll(writers);
	const confirmation = { ours: 'durable in PostgreSQL', hocuspocus: 'in memory only (its SyncStatus)', 'y-websocket': 'none: relayed to a listener' }[server.kind];
	return { updatesPerSecond: Math.round(confirmedInWindow / (settings.throughputMs / 1000)), confirmation, writers: writers.length, window };
}

/** (c) First open of a chart whose whole history (N updates) is in the log, after a start. */
async function coldLoad(server: BenchServer, bench: BenchClinic, charts: string[], warmUpDocument: string, settings: Settings) {
	const connection = await connectRaw(server, bench.cookie);
	await connection.open(warmUpDocument);
	const ms: number[] = [];
	for (const chart of charts) ms.push(round(await connection.open(chart)));
	connection.close();
	return { ms, medianMs: round(median(ms)), updates: settings.historyUpdates, from: 'PostgreSQL log rows only, no snapshot (written straight into the log), after a server start' };
}

/**
 * (c) as the chart would really be stored: N updates typed through the server (one character
 * each into the history section), the document closed so the server writes its snapshot, then a
 * new server process and the first open.
 */
async function coldLoadAfterTyping(bench: BenchClinic, charts: string[], warmUpDocument: string, settings: Settings) {
	const { db } = bench.clinic.database;
	await withServer('ours', bench, async (server) => {
		for (const chart of charts) {
			const [editor] = await openEditors(server, [chart], bench.cookie);
			const history = chartSectionText(editor!.doc, 'history');
			const phrase = 'Hypertension since 2019, well controlled on lisinopril. ';
			for (let i = 0; i < settings.historyUpdates; i++) history.insert(history.length, phrase[i % phrase.length]!);
			await new Promise<void>((resolve) => {
				if (editor!.unconfirmed === 0) resolve();
				editor!.onConfirmed(() => editor!.unconfirmed === 0 && resolve());
			});
			editor!.destroy();
			// Closing the last connection makes the server store a snapshot of the whole log.
			for (let waited = 0; ; waited += 200) {
				const [snapshot] = await db.select({ upto: docSnapshots.uptoSeq }).from(docSnapshots).where(eq(docSnapshots.documentName, chart));
				const [log] = await db.select({ last: max(docUpdates.seq) }).from(docUpdates).where(eq(docUpdates.documentName, chart));
				if (snapshot && log?.last != null && snapshot.upto >= Number(log.last)) break;
				if (waited > 60_000) throw new Error(`no snapshot of ${chart} after typing`);
				await delay(200);
			}
		}
	});
	const result = await withServer('ours', bench, (server) => coldLoad(server, bench, charts, warmUpDocument, settings));
	return { ...result, from: 'PostgreSQL snapshot + tail (typed through the server), after a server start' };
}

/** (c) for servers without storage: the same history written through a client, then a new reader's first sync. */
async function warmLoad(server: BenchServer, history: Uint8Array[], settings: Settings) {
	const ms: number[] = [];
	for (let i = 0; i < settings.coldLoads; i++) {
		const name = `chart-history-${i}`;
		const [writer] = await openEditors(server, [name], undefined);
		for (const update of history) Y.applyUpdate(writer!.doc, update);
		// Wait until the server holds it all: a reader's state must match the writer's.
		const target = Y.encodeStateVector(writer!.doc).toString();
		for (;;) {
			const [probe] = await openEditors(server, [name], undefined);
			const done = Y.encodeStateVector(probe!.doc).toString() === target;
			probe!.destroy();
			if (done) break;
			await delay(200);
		}
		const reader = await connectRaw(server, undefined, name);
		ms.push(round(await reader.open(name)));
		reader.close();
		writer!.destroy();
	}
	return { ms, medianMs: round(median(ms)), updates: settings.historyUpdates, from: 'memory (the server has no storage; the document stays loaded)' };
}

const kib = (bytes: number) => round(bytes / 1024, 1);
const jsBytes = (m: MemoryFigures) => m.heapUsed + m.external;

/** (d) Memory after gc: N idle connections on one loaded document, then M more documents. */
async function memory(server: BenchServer, bench: BenchClinic, documents: string[], settings: Settings) {
	const cookie = cookieFor(server, bench);
	const [shared, ...others] = documents;
	const first = await openMany(server, cookie, 1, () => shared!, 1);
	const baseline = await server.memory();
	const idle = await openMany(server, cookie, settings.idleConnections, () => shared!, 50);
	const afterIdle = await server.memory();
	const perConnection = (jsBytes(afterIdle) - jsBytes(baseline)) / idle.connections.length;
	const perConnectionRss = (afterIdle.rss - baseline.rss) / idle.connections.length;
	const loaded = await openMany(server, cookie, others.length, (i) => others[i]!, 20);
	const afterDocuments = await server.memory();
	const perDocument = (jsBytes(afterDocuments) - jsBytes(afterIdle)) / loaded.connections.length - perConnection;
	const perDocumentRss = (afterDocuments.rss - afterIdle.rss) / loaded.connections.length - perConnectionRss;
	for (const c of [...first.connections, ...idle.connections, ...loaded.connections]) c.close();
	const failures = idle.failures.length + loaded.failures.length + first.failures.length;
	if (failures) progress(`  ${failures} connections failed: ${[...first.failures, ...idle.failures, ...loaded.failures][0]}`);
	return { perIdleConnectionKiB: kib(perConnection), perIdleConnectionRssKiB: kib(perConnectionRss), perLoadedDocumentKiB: kib(perDocument), perLoadedDocumentRssKiB: kib(perDocumentRss), baseline };
}

/** (e) Many concurrent connections, each with one document open, held by one server process. */
async function heldConnections(server: BenchServer, bench: BenchClinic, document: string, settings: Settings) {
	const opened = await openMany(server, cookieFor(server, bench), settings.heldConnections, () => document, 100);
	const held = opened.connections.filter((c: RawConnection) => c.ws.readyState === c.ws.OPEN).length;
	const usage = await server.memory();
	for (const c of opened.connections) c.close();
	return {
		attempted: settings.heldConnections,
		held,
		failures: opened.failures.length,
		openSeconds: round(opened.ms / 1000, 1),
		heapMiB: round((usage.heapUsed + usage.external) / 1024 / 1024, 1),
		rssMiB: round(usage.rss / 1024 / 1024, 1),
		...(opened.failures[0] ? { firstFailure: opened.failures[0] } : {})
	};
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			json: { type: 'boolean', default: false },
			quick: { type: 'boolean', default: false },
			only: { type: 'string', default: 'a,b,c,d,e' },
			servers: { type: 'string', default: kinds.join(',') }
		}
	});
	const selected = kinds.filter((k) => values.servers.split(',').includes(k));
	const only = new Set(values.only.split(','));
	const settings: Settings = values.quick
		? { fanOutMs: 3_000, warmUpMs: 1_000, throughputMs: 3_000, historyUpdates: 10_000, coldLoads: 2, idleConnections: 200, loadedDocuments: 50, heldConnections: 1_000 }
		: { fanOutMs: 10_000, warmUpMs: 2_000, throughputMs: 10_000, historyUpdates: 10_000, coldLoads: 5, idleConnections: 1_000, loadedDocuments: 200, heldConnections: 5_000 };
	process.setMaxListeners(0);

	progress('Creating the benchmark database (demo clinic, 200 patients)…');
	const bench = await createBenchClinic();
	const results: Record<ServerKind, ServerResults> = { ours: {}, hocuspocus: {}, 'y-websocket': {} };
	try {
		const notes = new DocumentPool(bench.noteDocuments);
		const history = chartHistory(settings.historyUpdates);
		const charts = bench.chartDocuments.slice(0, settings.coldLoads);
		const typedCharts = bench.chartDocuments.slice(settings.coldLoads, 2 * settings.coldLoads);
		// The first chart a server opens also loads the chart code paths: not part of the figure.
		const warmUpChart = bench.chartDocuments[2 * settings.coldLoads]!;
		if (only.has('c')) {
			progress(`Writing ${settings.historyUpdates.toLocaleString('en-US')} updates of history straight into the log of ${charts.length} charts…`);
			for (const chart of charts) await writeHistory(bench, chart, history);
			await bench.clinic.database.db.execute(sql`analyze doc_updates`);
		}
		const oneDocument = notes.take(1);
		const manyDocuments = notes.take(200);
		const throughputDocuments = notes.take(20);
		const memoryDocuments = notes.take(1 + settings.loadedDocuments);
		const heldDocument = notes.take(1)[0]!;

		// Scenario by scenario, each server in turn: the machine is shared, so servers compared in
		// one row run as close together in time as possible.
		const each = async (scenario: string, run: (kind: ServerKind, r: ServerResults) => Promise<void>) => {
			if (!only.has(scenario)) return;
			for (const kind of selected) await run(kind, results[kind]);
		};
		await each('a', async (kind, r) => {
			progress(`(a) ${kindNames[kind]}: 50 editors on one note…`);
			r.fanOutOneDocument = await withServer(kind, bench, (s) => fanOut(s, bench, oneDocument, 50, 1_000, settings));
		});
		await each('a', async (kind, r) => {
			progress(`(a) ${kindNames[kind]}: 200 notes × 5 editors…`);
			r.fanOutManyDocuments = await withServer(kind, bench, (s) => fanOut(s, bench, manyDocuments, 5, 2_000, settings));
		});
		await each('b', async (kind, r) => {
			progress(`(b) ${kindNames[kind]}: sustained updates…`);
			r.throughput = await withServer(kind, bench, (s) => throughput(s, bench, throughputDocuments, 2, 32, settings));
		});
		await each('c', async (kind, r) => {
			progress(`(c) ${kindNames[kind]}: loading a chart with ${settings.historyUpdates} updates of history…`);
			if (kind === 'ours') {
				r.coldLoadWorstCase = await withServer(kind, bench, (s) => coldLoad(s, bench, charts, warmUpChart, settings));
				progress(`(c) ${kindNames[kind]}: typing ${settings.historyUpdates} updates into ${typedCharts.length} charts through the server, restart, load…`);
				r.coldLoad = await coldLoadAfterTyping(bench, typedCharts, warmUpChart, settings);
			} else r.coldLoad = await withServer(kind, bench, (s) => warmLoad(s, history, settings));
		});
		await each('d', async (kind, r) => {
			progress(`(d) ${kindNames[kind]}: memory…`);
			r.memory = await withServer(kind, bench, (s) => memory(s, bench, memoryDocuments, settings));
		});
		await each('e', async (kind, r) => {
			progress(`(e) ${kindNames[kind]}: ${settings.heldConnections} connections…`);
			r.connections = await withServer(kind, bench, (s) => heldConnections(s, bench, heldDocument, settings));
		});
	} finally {
		await bench.drop();
	}

	const report = {
		machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: round(os.totalmem() / 1024 ** 3, 1), node: process.version },
		settings,
		targets,
		results,
		verdicts: verdicts(results)
	};
	if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
	else printTable(results, report.verdicts, settings);
	process.exit(0);
}

function verdicts(results: Record<ServerKind, ServerResults>) {
	const ours = results.ours;
	const bare = results.hocuspocus;
	const ratio = (a?: FanOutResult, b?: FanOutResult) => (a && b ? round(a.p99Ms / b.p99Ms, 2) : null);
	const oneRatio = ratio(ours.fanOutOneDocument, bare.fanOutOneDocument);
	const manyRatio = ratio(ours.fanOutManyDocuments, bare.fanOutManyDocuments);
	return {
		fanOutP99VsBare: { oneDocument: oneRatio, manyDocuments: manyRatio, pass: oneRatio !== null && manyRatio !== null ? oneRatio <= targets.fanOutP99VsBare && manyRatio <= targets.fanOutP99VsBare : null },
		durableUpdatesPerSecond: { value: ours.throughput?.updatesPerSecond ?? null, pass: ours.throughput ? ours.throughput.updatesPerSecond >= targets.durableUpdatesPerSecond : null },
		coldLoadMs: { value: ours.coldLoad?.medianMs ?? null, worstCase: ours.coldLoadWorstCase?.medianMs ?? null, pass: ours.coldLoad ? ours.coldLoad.medianMs < targets.coldLoadMs : null }
	};
}

function printTable(results: Record<ServerKind, ServerResults>, v: ReturnType<typeof verdicts>, settings: Settings): void {
	const rows: [string, (r: ServerResults) => string][] = [
		['(a) fan-out, 50 editors × 1 note: p50 / p99 ms', (r) => (r.fanOutOneDocument ? `${r.fanOutOneDocument.p50Ms} / ${r.fanOutOneDocument.p99Ms}` : '—')],
		['(a) fan-out, 200 notes × 5 editors: p50 / p99 ms', (r) => (r.fanOutManyDocuments ? `${r.fanOutManyDocuments.p50Ms} / ${r.fanOutManyDocuments.p99Ms}` : '—')],
		['    samples (delivered)', (r) => (r.fanOutOneDocument && r.fanOutManyDocuments ? `${r.fanOutOneDocument.samples} (${r.fanOutOneDocument.delivered}), ${r.fanOutManyDocuments.samples} (${r.fanOutManyDocuments.delivered})` : '—')],
		['(b) sustained updates/s', (r) => (r.throughput ? String(r.throughput.updatesPerSecond) : '—')],
		['    confirmed as', (r) => r.throughput?.confirmation ?? '—'],
		[`(c) load, ${settings.historyUpdates} updates of history: median ms`, (r) => (r.coldLoad ? `${r.coldLoad.medianMs} (${r.coldLoad.ms.join(', ')})` : '—')],
		['    loaded from', (r) => (r.coldLoad ? (r.coldLoad.from.startsWith('PostgreSQL') ? 'PostgreSQL snapshot + tail, cold' : 'memory, warm') : '—')],
		['(c) worst case, log rows only, no snapshot: median ms', (r) => (r.coldLoadWorstCase ? `${r.coldLoadWorstCase.medianMs} (${r.coldLoadWorstCase.ms.join(', ')})` : '—')],
		['(d) memory per idle connection: KiB heap / rss', (r) => (r.memory ? `${r.memory.perIdleConnectionKiB} / ${r.memory.perIdleConnectionRssKiB}` : '—')],
		['(d) memory per loaded note: KiB heap / rss', (r) => (r.memory ? `${r.memory.perLoadedDocumentKiB} / ${r.memory.perLoadedDocumentRssKiB}` : '—')],
		[`(e) ${settings.heldConnections} connections: held, open s`, (r) => (r.connections ? `${r.connections.held}, ${r.connections.openSeconds}` : '—')],
		['    server heap / rss MiB', (r) => (r.connections ? `${r.connections.heapMiB} / ${r.connections.rssMiB}` : '—')]
	];
	const widths = [Math.max(...rows.map(([label]) => label.length)), ...kinds.map((k) => Math.max(kindNames[k].length, ...rows.map(([, f]) => f(results[k]).length)))];
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
	console.log(line(['', ...kinds.map((k) => kindNames[k])]));
	console.log(line(widths.map((w) => '-'.repeat(w))));
	for (const [label, format] of rows) console.log(line([label, ...kinds.map((k) => format(results[k]))]));
	console.log('');
	const verdict = (pass: boolean | null) => (pass === null ? 'not measured' : pass ? 'PASS' : 'FAIL');
	console.log(`target: fan-out p99 within ${targets.fanOutP99VsBare}× of bare Hocuspocus — ${verdict(v.fanOutP99VsBare.pass)} (${v.fanOutP99VsBare.oneDocument}× one note, ${v.fanOutP99VsBare.manyDocuments}× 200 notes)`);
	console.log(`target: ≥ ${targets.durableUpdatesPerSecond} durable updates/s — ${verdict(v.durableUpdatesPerSecond.pass)} (${v.durableUpdatesPerSecond.value})`);
	console.log(`target: cold load < ${targets.coldLoadMs} ms — ${verdict(v.coldLoadMs.pass)} (${v.coldLoadMs.value} ms median; worst case without a snapshot ${v.coldLoadMs.worstCase} ms)`);
}

await main();
