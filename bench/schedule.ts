/**
 * Scheduling benchmark: `npm run bench:schedule [-- --json] [--quick] [--runs N] [--bookings N]`.
 *
 * One run loads the same synthetic clinic (bench/schedule/clinic.ts: 50 providers with weekday
 * hours, 90 days ahead about 60% booked) into an in-memory PGlite and a fresh PostgreSQL
 * database (created through db/testing.ts, so TEST_DATABASE_URL picks the server; dropped at
 * the end), then measures, each beside a baseline from the same database and run:
 *  - slot search (findSlots, app/lib/server/scheduling/slots.ts) across all 50 providers × 90
 *    days, all free slots and the first 50; and one provider × 7 days. Baseline: the bare
 *    indexed SELECT of the same appointments range (the floor any search must pay to read the
 *    busy time).
 *  - booking throughput (bookAppointment: access check, audit, capacity check, exclusion
 *    constraint, reminders, notice), one at a time and 8 at once. Baseline: a bare INSERT into
 *    appointments (the constraint and indexes, nothing else), the same ways.
 * Target: slot search 50 × 90 days p95 < 100 ms on PostgreSQL.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { and, gt, lt, ne, eq } from 'drizzle-orm';
import type { Database, DatabaseKind } from '../db/client';
import { createTestDatabase } from '../db/testing';
import { appointments } from '../db/schema/index';
import { bookAppointment } from '../app/lib/server/scheduling/booking';
import { findSlots, type Slot } from '../app/lib/server/scheduling/slots';
import { loadBenchClinic, type BenchClinic } from './schedule/clinic';

const databaseNames: Record<DatabaseKind, string> = { pglite: 'PGlite', postgres: 'PostgreSQL' };
const targetP95Ms = 100;
const dayMs = 86_400_000;
const longestHoldMs = 12 * 3_600_000;

interface Latency {
	n: number;
	p50Ms: number;
	p95Ms: number;
	maxMs: number;
	/** This process's CPU (user + system) per run, median: the in-memory share, less sensitive to a busy machine than wall time. */
	cpuMs?: number;
}

interface Throughput {
	n: number;
	perSecond: number;
	p50Ms: number;
	p95Ms: number;
	errors: number;
}

interface DatabaseResult {
	database: string;
	loadSeconds: number;
	appointments: number;
	fill: number;
	search: {
		all: Latency & { slots: number };
		first50: Latency;
		oneProvider7Days: Latency & { slots: number };
		baselineAll: Latency & { rows: number };
		baselineOneProvider: Latency & { rows: number };
	};
	booking: {
		sequential: Throughput;
		concurrent: Throughput;
		baselineSequential: Throughput;
		baselineConcurrent: Throughput;
	};
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			json: { type: 'boolean', default: false },
			quick: { type: 'boolean', default: false },
			runs: { type: 'string' },
			bookings: { type: 'string' },
			providers: { type: 'string', default: '50' },
			days: { type: 'string', default: '90' },
			seed: { type: 'string', default: '1' },
			databases: { type: 'string', default: 'pglite,postgres' }
		}
	});
	const runs = positiveInteger(values.runs ?? (values.quick ? '8' : '40'), '--runs');
	const bookings = positiveInteger(values.bookings ?? (values.quick ? '24' : '160'), '--bookings');
	const providers = positiveInteger(values.providers, '--providers');
	const days = positiveInteger(values.days, '--days');
	const seed = positiveInteger(values.seed, '--seed');
	const concurrency = 8;

	const results: DatabaseResult[] = [];
	const kinds = values.databases.split(',').map((k) => k.trim()) as DatabaseKind[];
	if (kinds.some((k) => k !== 'pglite' && k !== 'postgres')) throw new Error('--databases takes pglite, postgres or both');
	for (const kind of kinds) results.push(await benchmark(kind, { runs, bookings, providers, days, seed, concurrency }));

	const postgres = results.find((r) => r.database === databaseNames.postgres) ?? results[0]!;
	const report = {
		providers,
		days,
		runs,
		bookings,
		concurrency,
		seed,
		results,
		target: { database: 'postgres', metric: `slot search ${providers} providers × ${days} days p95`, thresholdMs: targetP95Ms, valueMs: postgres.search.all.p95Ms, pass: postgres.search.all.p95Ms < targetP95Ms }
	};
	if (values.json) {
		process.stdout.write(`${JSON.stringify(report)}\n`);
		return;
	}
	console.log(
		`Scheduling: ${providers} providers, ${days} days ahead, ` +
			results.map((r) => `${r.database} ${r.appointments.toLocaleString('en-US')} visits (${Math.round(r.fill * 100)}% of working time held), loaded in ${r.loadSeconds.toFixed(1)} s`).join('; ')
	);
	console.log(`${runs} timed searches of each kind after 3 warm-ups; ${bookings} bookings each way, ${concurrency} at once for "concurrent"`);
	console.log('');
	console.log(formatTable(results, providers, days, concurrency));
	console.log('');
	console.log(`target: slot search ${providers} × ${days} days p95 < ${targetP95Ms} ms on PostgreSQL — ${report.target.pass ? 'PASS' : 'FAIL'} (p95 ${postgres.search.all.p95Ms.toFixed(1)} ms)`);
}

async function benchmark(
	kind: DatabaseKind,
	settings: { runs: number; bookings: number; providers: number; days: number; seed: number; concurrency: number }
): Promise<DatabaseResult> {
	const name = databaseNames[kind];
	progress(`${name}: creating the database…`);
	const database = await createTestDatabase(kind);
	try {
		const now = new Date();
		const loadStart = performance.now();
		const clinic = await loadBenchClinic(database.db, { providers: settings.providers, days: settings.days, patients: 2000, fill: 0.6, now, seed: settings.seed });
		const loadSeconds = (performance.now() - loadStart) / 1000;
		progress(`${name}: ${clinic.appointments} visits loaded in ${loadSeconds.toFixed(1)} s; searching…`);
		const db = database.db;
		const from = now;
		const to = new Date(now.getTime() + settings.days * dayMs);
		const weekTo = new Date(now.getTime() + 7 * dayMs);
		const one = clinic.practitionerIds[0]!;
		const type = clinic.followUp;

		let slotCount = 0;
		const all = await time(settings.runs, async () => {
			slotCount = (await findSlots(db, { appointmentTypeId: type.id, from, to })).length;
		});
		const first50 = await time(settings.runs, async () => {
			await findSlots(db, { appointmentTypeId: type.id, from, to, limit: 50 });
		});
		let oneCount = 0;
		const oneProvider = await time(settings.runs, async () => {
			oneCount = (await findSlots(db, { appointmentTypeId: type.id, practitionerIds: [one], from, to: weekTo })).length;
		});
		let baselineRows = 0;
		const baselineAll = await time(settings.runs, async () => {
			baselineRows = (await busyRows(db, from, to)).length;
		});
		let baselineOneRows = 0;
		const baselineOne = await time(settings.runs, async () => {
			baselineOneRows = (await busyRows(db, from, weekTo, one)).length;
		});

		progress(`${name}: booking…`);
		// Free slots to book, far enough apart on each provider's calendar that none collide.
		const free = pickApart(await findSlots(db, { appointmentTypeId: type.id, from: new Date(now.getTime() + 2 * dayMs), to }), (type.durationMinutes + type.bufferMinutes) * 60_000);
		if (free.length < settings.bookings * 2) throw new Error(`only ${free.length} free slots to book; ask for fewer --bookings`);
		const book = (slot: Slot, i: number) =>
			bookAppointment(db, clinic.admin, { patientId: clinic.patientIds[i % clinic.patientIds.length]!, appointmentTypeId: type.id, practitionerId: slot.practitionerId, startsAt: slot.startsAt, reason: 'Benchmark' });
		const sequential = await throughput(free.slice(0, settings.bookings), 1, book);
		const concurrent = await throughput(free.slice(settings.bookings, settings.bookings * 2), settings.concurrency, book);
		// Bare inserts: the same row shape, a year out so they meet nothing.
		const bare = (offsetDays: number) => (slot: Slot, i: number) => {
			const startsAt = new Date(Date.parse(slot.startsAt) + offsetDays * dayMs);
			return db.insert(appointments).values({
				patientId: clinic.patientIds[i % clinic.patientIds.length]!,
				practitionerId: slot.practitionerId,
				locationId: slot.locationId,
				appointmentTypeId: type.id,
				modality: 'in_person',
				startsAt,
				endsAt: new Date(startsAt.getTime() + type.durationMinutes * 60_000),
				occupiedUntil: new Date(startsAt.getTime() + (type.durationMinutes + type.bufferMinutes) * 60_000),
				reason: 'Benchmark',
				bookedVia: 'staff'
			});
		};
		const baselineSequential = await throughput(free.slice(0, settings.bookings), 1, bare(364));
		const baselineConcurrent = await throughput(free.slice(settings.bookings, settings.bookings * 2), settings.concurrency, bare(364));
		return {
			database: name,
			loadSeconds,
			appointments: clinic.appointments,
			fill: clinic.fill,
			search: {
				all: { ...all, slots: slotCount },
				first50,
				oneProvider7Days: { ...oneProvider, slots: oneCount },
				baselineAll: { ...baselineAll, rows: baselineRows },
				baselineOneProvider: { ...baselineOne, rows: baselineOneRows }
			},
			booking: { sequential, concurrent, baselineSequential, baselineConcurrent }
		};
	} finally {
		await database.drop();
	}
}

/** The floor of a slot search: the indexed read of the busy time findSlots loads. */
function busyRows(db: Database, from: Date, to: Date, practitionerId?: string) {
	const where = [
		gt(appointments.startsAt, new Date(from.getTime() - longestHoldMs)),
		lt(appointments.startsAt, new Date(to.getTime() + longestHoldMs)),
		gt(appointments.occupiedUntil, new Date(from.getTime() - longestHoldMs)),
		ne(appointments.status, 'cancelled')
	];
	if (practitionerId) where.push(eq(appointments.practitionerId, practitionerId));
	return db
		.select({ practitionerId: appointments.practitionerId, startsAt: appointments.startsAt, until: appointments.occupiedUntil })
		.from(appointments)
		.where(and(...where));
}

function pickApart(slots: Slot[], heldMs: number): Slot[] {
	const last = new Map<string, number>();
	const out: Slot[] = [];
	for (const slot of slots) {
		const start = Date.parse(slot.startsAt);
		const previous = last.get(slot.practitionerId);
		if (previous !== undefined && start < previous + heldMs) continue;
		last.set(slot.practitionerId, start);
		out.push(slot);
	}
	// Spread over providers and days rather than filling one calendar first.
	return out.sort((a, b) => hash(a.startsAt + a.practitionerId) - hash(b.startsAt + b.practitionerId));
}

function hash(text: string): number {
	let h = 2166136261;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
	return h >>> 0;
}

async function time(runs: number, work: () => Promise<void>): Promise<Latency> {
	for (let i = 0; i < 3; i++) await work();
	const samples: number[] = [];
	const cpu: number[] = [];
	for (let i = 0; i < runs; i++) {
		const cpuStart = process.cpuUsage();
		const started = performance.now();
		await work();
		samples.push(performance.now() - started);
		const used = process.cpuUsage(cpuStart);
		cpu.push((used.user + used.system) / 1000);
	}
	return { ...latency(samples), cpuMs: latency(cpu).p50Ms };
}

async function throughput<T>(items: T[], width: number, work: (item: T, index: number) => Promise<unknown>): Promise<Throughput> {
	const samples: number[] = [];
	let errors = 0;
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			const t0 = performance.now();
			try {
				await work(items[index]!, index);
				samples.push(performance.now() - t0);
			} catch (error) {
				errors++;
				if (errors === 1) progress(`  first error: ${(error as Error).message}`);
			}
		}
	};
	await Promise.all(Array.from({ length: width }, worker));
	const seconds = (performance.now() - started) / 1000;
	const l = latency(samples);
	return { n: items.length, perSecond: round(samples.length / seconds), p50Ms: l.p50Ms, p95Ms: l.p95Ms, errors };
}

function latency(samples: number[]): Latency {
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN);
	return { n: sorted.length, p50Ms: round(at(50)), p95Ms: round(at(95)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

function formatTable(results: DatabaseResult[], providers: number, days: number, concurrency: number): string {
	const header = ['measure', ...results.flatMap((r) => [`${r.database}`, `${r.database} baseline`]), 'baseline'];
	const ms = (l: Latency) => `${l.p50Ms.toFixed(1)} / ${l.p95Ms.toFixed(1)}`;
	const rate = (t: Throughput) => `${t.perSecond.toFixed(1)}${t.errors ? ` (${t.errors} err)` : ''}`;
	const lines: string[][] = [
		[`slot search ${providers} providers × ${days} d, p50 / p95 ms`, ...results.flatMap((r) => [ms(r.search.all), ms(r.search.baselineAll)]), 'bare SELECT of the busy range'],
		['    Node CPU ms per search, median', ...results.flatMap((r) => [String(r.search.all.cpuMs), String(r.search.baselineAll.cpuMs)]), '(PGlite runs in this process)'],
		['    free slots found / busy rows read', ...results.flatMap((r) => [String(r.search.all.slots), String(r.search.baselineAll.rows)]), ''],
		[`    first 50 slots, p50 / p95 ms`, ...results.flatMap((r) => [ms(r.search.first50), ms(r.search.baselineAll)]), 'bare SELECT of the busy range'],
		['slot search 1 provider × 7 d, p50 / p95 ms', ...results.flatMap((r) => [ms(r.search.oneProvider7Days), ms(r.search.baselineOneProvider)]), 'bare SELECT of its busy range'],
		['booking, one at a time: bookings/s', ...results.flatMap((r) => [rate(r.booking.sequential), rate(r.booking.baselineSequential)]), 'bare INSERT into appointments'],
		['    latency p50 / p95 ms', ...results.flatMap((r) => [ms(r.booking.sequential as unknown as Latency), ms(r.booking.baselineSequential as unknown as Latency)]), ''],
		[`booking, ${concurrency} at once: bookings/s`, ...results.flatMap((r) => [rate(r.booking.concurrent), rate(r.booking.baselineConcurrent)]), 'bare INSERT, same width'],
		['    latency p50 / p95 ms', ...results.flatMap((r) => [ms(r.booking.concurrent as unknown as Latency), ms(r.booking.baselineConcurrent as unknown as Latency)]), '']
	];
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
	const format = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
	return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

function positiveInteger(value: string | undefined, flag: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, not "${value}"`);
	return n;
}

function round(value: number): number {
	return Math.round(value * 100) / 100;
}

/** Progress goes to stderr, so `--json` leaves exactly one JSON document on stdout. */
function progress(message: string): void {
	process.stderr.write(`${message}\n`);
}

await main();
