/**
 * Chat benchmark: `npm run bench:chat [-- --json] [--quick] [--servers ours,plain-e2ee,plain]`.
 *
 * One run, side by side: ours (the real composition root — chat handlers, access checks,
 * signature check, PostgreSQL, audit — with end-to-end encryption in the clients), the bare
 * socket.io server relaying the same encrypted envelopes (the crypto's share), and the bare
 * server relaying plain text (the baseline). Each server runs in a child process; the clients,
 * here, encrypt, send, receive, decrypt and send a delivered receipt for every message.
 * (1) N clients in direct conversations (pairs), R messages/s in all: delivery latency (before
 * encryption → after decryption on the recipient), receipt round trip (send → the sender sees the
 * recipient's delivered marker) and the server's acknowledgement. (2) Fan-out: one group of 50
 * of those clients, the others still connected: delivery to each member, to the last member,
 * and the time until all receipts are back.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { ready } from '../app/lib/chat/crypto/index';
import { BenchClient, Recorder, type Directory, type Mode, type PhaseFigures } from './chat/clients';
import { createChatBenchDatabase, makePeople, type BenchPerson, type ChatBenchDatabase } from './chat/people';
import { ChatBenchServer } from './chat/servers';
import { median, round, summarize, type LatencySummary } from './collab/stats';

const modes: Mode[] = ['ours', 'plain-e2ee', 'plain'];
const modeNames: Record<Mode, string> = { ours: 'ours (E2EE, PostgreSQL)', 'plain-e2ee': 'plain socket.io + E2EE', plain: 'plain socket.io' };
const targets = { deliveryP99Ms: 100 };

interface Settings {
	clients: number;
	rate: number;
	groupSize: number;
	groupRate: number;
	warmUpMs: number;
	windowMs: number;
	groupWindowMs: number;
	drainMs: number;
}

interface PhaseResult {
	delivery: LatencySummary;
	allDelivered: LatencySummary;
	receipt: LatencySummary;
	ack: LatencySummary;
	sent: number;
	/** Deliveries measured / deliveries expected. */
	delivered: number;
	errors: number;
	firstError?: string;
	/** Median microseconds per message in the clients: encrypt + sign, verify + decrypt. */
	encryptUs: number | null;
	decryptUs: number | null;
	/** The client process's event-loop delay while measuring (its own load inflates every figure). */
	clientLoopDelayP99Ms: number;
	/** Server CPU (user + system) over the window, per message sent, and as a share of one core. */
	serverCpuPerMessageMs?: number | null;
	serverCpuShare?: number;
	/** Ours: PostgreSQL transactions (each autocommit statement is one) and table scans per message sent, receipts included. */
	dbTransactionsPerMessage?: number;
	dbScansPerMessage?: number;
}

interface ModeResult {
	connectSeconds: number;
	setupSeconds: number;
	direct?: PhaseResult;
	group?: PhaseResult;
}

function progress(message: string): void {
	process.stderr.write(`${message}\n`);
}

/** Runs `work` over items, `width` at a time. */
async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
	for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

function shuffle<T>(items: T[]): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1));
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

function phaseResult(figures: PhaseFigures, loopDelayP99Ms: number): PhaseResult {
	return {
		delivery: summarize(figures.delivery),
		allDelivered: summarize(figures.allDelivered),
		receipt: summarize(figures.receipt),
		ack: summarize(figures.ack),
		sent: figures.sent,
		delivered: round(figures.expectedDeliveries ? figures.delivery.length / figures.expectedDeliveries : 0, 3),
		errors: figures.errors,
		...(figures.firstError ? { firstError: figures.firstError } : {}),
		encryptUs: figures.encryptUs.length ? round(median(figures.encryptUs), 1) : null,
		decryptUs: figures.decryptUs.length ? round(median(figures.decryptUs), 1) : null,
		clientLoopDelayP99Ms: loopDelayP99Ms
	};
}

/** Sends `rate` messages/s, round robin over `senders`; measures after the warm-up, then waits for the stragglers. */
/** The benchmark database's own counters: transactions and table scans, to count the work per message. */
async function databaseCounters(database: ChatBenchDatabase | null): Promise<{ transactions: number; scans: number } | null> {
	if (!database) return null;
	const { db } = database.clinic.database;
	const [row] = (await db.execute(sql`
		select (select xact_commit + xact_rollback from pg_stat_database where datname = current_database()) as transactions,
		       (select coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) from pg_stat_user_tables) as scans
	`)) as unknown as { transactions: string | number; scans: string | number }[];
	return { transactions: Number(row!.transactions), scans: Number(row!.scans) };
}

async function drive(
	server: ChatBenchServer,
	database: ChatBenchDatabase | null,
	recorder: Recorder,
	senders: { client: BenchClient; conversationId: string }[],
	rate: number,
	windowMs: number,
	settings: Settings
): Promise<PhaseResult> {
	recorder.reset();
	let sent = 0;
	const start = performance.now();
	const timer = setInterval(() => {
		const due = Math.floor(((performance.now() - start) / 1000) * rate);
		for (; sent < due; sent++) {
			const sender = senders[sent % senders.length]!;
			sender.client.send(sender.conversationId);
		}
	}, 2);
	await delay(settings.warmUpMs);
	const loop = monitorEventLoopDelay({ resolution: 5 });
	loop.enable();
	const cpuBefore = await server.cpuMs();
	const dbBefore = await databaseCounters(database);
	recorder.measuring = true;
	await delay(windowMs);
	recorder.measuring = false;
	const cpuAfter = await server.cpuMs();
	loop.disable();
	// Statistics reach pg_stat_* when a backend goes idle, at most once a second (PostgreSQL 15).
	if (database) await delay(1_500);
	const dbAfter = await databaseCounters(database);
	clearInterval(timer);
	const deadline = performance.now() + settings.drainMs;
	while (recorder.outstanding() > 0 && performance.now() < deadline) await delay(50);
	const result = phaseResult(recorder.figures, round(loop.percentile(99) / 1e6));
	result.serverCpuPerMessageMs = recorder.figures.sent ? round((cpuAfter - cpuBefore) / recorder.figures.sent, 2) : null;
	result.serverCpuShare = round((cpuAfter - cpuBefore) / windowMs, 2);
	if (dbBefore && dbAfter && recorder.figures.sent) {
		// Counted over the window plus the 1.5 s wait; includes the recipients' receipts.
		result.dbTransactionsPerMessage = round((dbAfter.transactions - dbBefore.transactions) / recorder.figures.sent, 1);
		result.dbScansPerMessage = round((dbAfter.scans - dbBefore.scans) / recorder.figures.sent, 1);
	}
	return result;
}

async function runMode(mode: Mode, people: BenchPerson[], settings: Settings, database: ChatBenchDatabase | null): Promise<ModeResult> {
	const setupStart = performance.now();
	const recorder = new Recorder();
	const directory: Directory = { people: new Map(people.map((p) => [p.userId, p])), byDevice: new Map(people.map((p) => [p.deviceId, p])) };
	const members = new Map<string, string[]>();
	const server = mode === 'ours' ? await ChatBenchServer.start('ours', { BENCH_DATABASE_URL: database!.clinic.url }) : await ChatBenchServer.start('plain');
	const clients: BenchClient[] = [];
	try {
		progress(`${modeNames[mode]}: connecting ${people.length} clients…`);
		const connectStart = performance.now();
		for (const person of people) {
			const client = new BenchClient(person, mode, server.url, recorder, members, database?.cookies.get(person.userId));
			client.directory = directory;
			clients.push(client);
		}
		await inBatches(clients, 50, (c) => c.connected());
		const connectSeconds = round((performance.now() - connectStart) / 1000, 1);
		if (mode === 'ours') await inBatches(clients, 50, (c) => c.claimDevice());

		progress(`${modeNames[mode]}: conversations and room keys…`);
		const pairs: [BenchClient, BenchClient][] = [];
		for (let i = 0; i + 1 < clients.length; i += 2) pairs.push([clients[i]!, clients[i + 1]!]);
		const directOf = new Map<BenchClient, string>();
		await inBatches(pairs, 25, async ([a, b]) => {
			const id = mode === 'ours' ? await a.createConversation('direct', [b.person]) : randomUUID();
			members.set(id, [a.person.userId, b.person.userId]);
			directOf.set(a, id);
			directOf.set(b, id);
		});
		const groupClients = clients.slice(0, settings.groupSize);
		const groupId = mode === 'ours' ? await groupClients[0]!.createConversation('group', groupClients.slice(1).map((c) => c.person)) : randomUUID();
		members.set(groupId, groupClients.map((c) => c.person.userId));
		if (mode !== 'ours') await server.setConversations(Object.fromEntries(members));

		if (mode !== 'plain') {
			const byDevice = new Map(clients.map((c) => [c.person.deviceId, c]));
			const deliverLocally = (deviceId: string, payload: string, from: BenchPerson, conversationId: string, sessionId: string) =>
				byDevice.get(deviceId)!.receiveRoomKey(payload, from, { conversationId, sessionId });
			const starts = [...directOf].map(([client, conversationId]) => ({ client, conversationId }));
			starts.push(...groupClients.map((client) => ({ client, conversationId: groupId })));
			await inBatches(starts, 25, ({ client, conversationId }) => client.startSession(conversationId, directory, deliverLocally));
			const expected = new Map<BenchClient, number>();
			for (const { client, conversationId } of starts) expected.set(client, (expected.get(client) ?? 0) + members.get(conversationId)!.length - 1);
			const waited = Promise.all([...expected].map(([client, count]) => client.waitForRoomKeys(count)));
			const timeout = delay(60_000).then(() => {
				throw new Error(`room keys did not all arrive: ${recorder.figures.firstError ?? 'no error seen'}`);
			});
			await Promise.race([waited, timeout]);
		}
		const setupSeconds = round((performance.now() - setupStart) / 1000, 1);

		progress(`${modeNames[mode]}: ${clients.length} clients, ${settings.rate} messages/s in direct conversations for ${settings.windowMs / 1000} s…`);
		const directSenders = shuffle(clients.filter((c) => directOf.has(c)).map((client) => ({ client, conversationId: directOf.get(client)! })));
		const direct = await drive(server, database, recorder, directSenders, settings.rate, settings.windowMs, settings);
		progress(`${modeNames[mode]}: ${settings.groupSize}-member group, ${settings.groupRate} messages/s for ${settings.groupWindowMs / 1000} s…`);
		const groupSenders = shuffle(groupClients.map((client) => ({ client, conversationId: groupId })));
		const group = await drive(server, database, recorder, groupSenders, settings.groupRate, settings.groupWindowMs, settings);
		return { connectSeconds, setupSeconds, direct, group };
	} finally {
		for (const client of clients) client.close();
		await server.stop();
	}
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			json: { type: 'boolean', default: false },
			quick: { type: 'boolean', default: false },
			servers: { type: 'string', default: modes.join(',') },
			clients: { type: 'string' },
			rate: { type: 'string' },
			'group-size': { type: 'string' },
			'group-rate': { type: 'string' },
			window: { type: 'string' }
		}
	});
	const selected = modes.filter((m) => values.servers.split(',').includes(m));
	const settings: Settings = values.quick
		? { clients: 100, rate: 50, groupSize: 50, groupRate: 2, warmUpMs: 2_000, windowMs: 8_000, groupWindowMs: 8_000, drainMs: 5_000 }
		: { clients: 500, rate: 200, groupSize: 50, groupRate: 2, warmUpMs: 5_000, windowMs: 30_000, groupWindowMs: 20_000, drainMs: 10_000 };
	if (values.clients) settings.clients = Number(values.clients);
	if (values.rate) settings.rate = Number(values.rate);
	if (values['group-size']) settings.groupSize = Number(values['group-size']);
	if (values['group-rate']) settings.groupRate = Number(values['group-rate']);
	if (values.window) settings.windowMs = settings.groupWindowMs = Number(values.window) * 1000;
	if (settings.groupSize > settings.clients || settings.groupSize < 2) throw new Error('The group needs between 2 and --clients members.');
	process.setMaxListeners(0);

	await ready();
	const people = makePeople(settings.clients);
	const results: Partial<Record<Mode, ModeResult>> = {};
	let database: ChatBenchDatabase | null = null;
	try {
		if (selected.includes('ours')) {
			progress(`Creating the benchmark database (demo clinic and ${settings.clients} nurses with signed devices)…`);
			database = await createChatBenchDatabase(people);
		}
		for (const mode of selected) results[mode] = await runMode(mode, people, settings, database);
	} finally {
		await database?.drop();
	}

	const report = {
		machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: round(os.totalmem() / 1024 ** 3, 1), node: process.version },
		settings,
		targets,
		results,
		verdicts: verdicts(results)
	};
	if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
	else printTable(results, report.verdicts, settings, selected);
	process.exit(0);
}

function verdicts(results: Partial<Record<Mode, ModeResult>>) {
	const direct = results.ours?.direct;
	const group = results.ours?.group;
	const p99 = (phase?: PhaseResult) => (phase && phase.delivery.samples > 0 ? phase.delivery.p99Ms : null);
	return {
		deliveryP99Ms: {
			value: p99(direct),
			group: p99(group),
			// Every message delivered, none refused or lost, and the p99 under the target.
			pass: direct ? p99(direct) !== null && p99(direct)! < targets.deliveryP99Ms && direct.errors === 0 && direct.delivered === 1 : null
		}
	};
}

function printTable(results: Partial<Record<Mode, ModeResult>>, v: ReturnType<typeof verdicts>, settings: Settings, selected: Mode[]): void {
	const pair = (s: LatencySummary | undefined) => (s && s.samples ? `${s.p50Ms} / ${s.p99Ms}` : '—');
	const others = settings.groupSize - 1;
	const rows: [string, (r: ModeResult) => string][] = [
		[`${settings.clients} clients, ${settings.rate} msg/s, direct: delivery p50 / p99 ms`, (r) => pair(r.direct?.delivery)],
		['    receipt round trip p50 / p99 ms', (r) => pair(r.direct?.receipt)],
		['    server acknowledgement p50 / p99 ms', (r) => pair(r.direct?.ack)],
		['    messages (delivered, errors)', (r) => (r.direct ? `${r.direct.sent} (${r.direct.delivered}, ${r.direct.errors})` : '—')],
		[`${settings.groupSize}-member group, ${settings.groupRate} msg/s: delivery p50 / p99 ms`, (r) => pair(r.group?.delivery)],
		[`    all ${others} delivered p50 / p99 ms`, (r) => pair(r.group?.allDelivered)],
		[`    all ${others} receipts back p50 / p99 ms`, (r) => pair(r.group?.receipt)],
		['    messages (delivered, errors)', (r) => (r.group ? `${r.group.sent} (${r.group.delivered}, ${r.group.errors})` : '—')],
		['server CPU ms per message: direct / group', (r) => (r.direct && r.group ? `${r.direct.serverCpuPerMessageMs} / ${r.group.serverCpuPerMessageMs}` : '—')],
		['server CPU, share of one core: direct / group', (r) => (r.direct && r.group ? `${r.direct.serverCpuShare} / ${r.group.serverCpuShare}` : '—')],
		[
			'PostgreSQL transactions / scans per message: direct, group',
			(r) => (r.direct?.dbTransactionsPerMessage != null && r.group ? `${r.direct.dbTransactionsPerMessage} / ${r.direct.dbScansPerMessage}, ${r.group.dbTransactionsPerMessage} / ${r.group.dbScansPerMessage}` : '—')
		],
		['client crypto per message: encrypt / decrypt µs', (r) => (r.direct?.encryptUs != null ? `${r.direct.encryptUs} / ${r.direct.decryptUs}` : '—')],
		['client event-loop delay p99 ms: direct / group', (r) => (r.direct && r.group ? `${r.direct.clientLoopDelayP99Ms} / ${r.group.clientLoopDelayP99Ms}` : '—')],
		['setup s: connect / all (conversations, keys)', (r) => `${r.connectSeconds} / ${r.setupSeconds}`]
	];
	const cols = selected.filter((m) => results[m]);
	const widths = [Math.max(...rows.map(([label]) => label.length)), ...cols.map((m) => Math.max(modeNames[m].length, ...rows.map(([, f]) => f(results[m]!).length)))];
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
	console.log(line(['', ...cols.map((m) => modeNames[m])]));
	console.log(line(widths.map((w) => '-'.repeat(w))));
	for (const [label, format] of rows) console.log(line([label, ...cols.map((m) => format(results[m]!))]));
	for (const m of cols) {
		const error = results[m]!.direct?.firstError ?? results[m]!.group?.firstError;
		if (error) console.log(`first error (${modeNames[m]}): ${error}`);
	}
	console.log('');
	const verdict = v.deliveryP99Ms.pass === null ? 'not measured' : v.deliveryP99Ms.pass ? 'PASS' : 'FAIL';
	const ms = (value: number | null) => (value === null ? 'nothing delivered' : `${value} ms`);
	console.log(`target: delivery p99 < ${targets.deliveryP99Ms} ms on loopback (ours, ${settings.clients} clients at ${settings.rate} msg/s) — ${verdict} (${ms(v.deliveryP99Ms.value)}; ${settings.groupSize}-member group ${ms(v.deliveryP99Ms.group)})`);
}

await main();
