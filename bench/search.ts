/**
 * Patient search latency: `npm run bench:search [-- --json] [--patients N] [--queries N] [--seed N]`.
 *
 * Loads the same synthetic patients (100,000 by default) into an in-memory PGlite and into a
 * fresh PostgreSQL database (dropped afterwards), runs ANALYZE, warms up, then times the same
 * list of realistic searches through `runPatientSearch` on each. PGlite is the baseline the
 * PostgreSQL figures are printed beside; the target applies to PostgreSQL, the production
 * database for practices that outgrow the embedded one.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { runPatientSearch } from '../app/lib/server/patients/search';
import type { DatabaseKind } from '../db/client';
import { patients } from '../db/schema/index';
import { insertInBatches } from '../db/seed/batch-insert';
import { generatePatients, type GeneratedPatient } from '../db/seed/generate-patients';
import { SeededRandom } from '../db/seed/random';
import { createTestDatabase, type TestDatabase } from '../db/testing';

const targetP95Ms = 30;
const warmUpQueries = 30;
const databaseNames: Record<DatabaseKind, string> = { pglite: 'PGlite', postgres: 'Postgres' };

/** What staff type into the search box, with the share of each in the mix. */
const queryMix = [
	['family fragment', 0.3],
	['given family', 0.2],
	['family name', 0.15],
	['date of birth', 0.15],
	['MRN prefix', 0.15],
	['common name, page 2', 0.05]
] as const;
type QueryKind = (typeof queryMix)[number][0];

interface SearchCase {
	kind: QueryKind;
	text: string;
	page: number;
}

interface LatencyRow {
	database: string;
	kind: QueryKind | 'all';
	n: number;
	p50Ms: number;
	p95Ms: number;
	maxMs: number;
}

interface DatabaseRun {
	kind: DatabaseKind;
	loadMs: number;
	timings: { kind: QueryKind; ms: number }[];
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			json: { type: 'boolean', default: false },
			patients: { type: 'string', default: '100000' },
			queries: { type: 'string', default: '300' },
			seed: { type: 'string', default: '1' }
		}
	});
	const patientCount = positiveInteger(values.patients, '--patients');
	const queryCount = positiveInteger(values.queries, '--queries');
	const seed = positiveInteger(values.seed, '--seed');

	progress(`Generating ${patientCount.toLocaleString('en-US')} patients…`);
	const generateStart = performance.now();
	const people = generatePatients({ count: patientCount, seed });
	const generateMs = performance.now() - generateStart;
	const random = new SeededRandom(seed + 7);
	const warmUp = searchCases(random, people, warmUpQueries);
	const cases = searchCases(random, people, queryCount);

	const runs: DatabaseRun[] = [];
	for (const kind of ['pglite', 'postgres'] as const) {
		runs.push(await benchmark(kind, people, warmUp, cases));
	}

	const rows = runs.flatMap((run) => latencyRows(run));
	const postgresAll = rows.find((r) => r.database === databaseNames.postgres && r.kind === 'all')!;
	const report = {
		patients: patientCount,
		queriesPerDatabase: cases.length,
		warmUpQueries: warmUp.length,
		seed,
		generateMs: round(generateMs),
		loadMs: Object.fromEntries(runs.map((run) => [run.kind, round(run.loadMs)])),
		results: rows,
		target: { database: 'postgres', metric: 'p95', thresholdMs: targetP95Ms, valueMs: postgresAll.p95Ms, pass: postgresAll.p95Ms < targetP95Ms }
	};

	if (values.json) {
		process.stdout.write(`${JSON.stringify(report)}\n`);
		return;
	}
	const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
	console.log(
		`Patient search over ${patientCount.toLocaleString('en-US')} patients: ${cases.length} queries per database (the same list), ` +
			`after ${warmUp.length} warm-up queries; seed ${seed}`
	);
	console.log(
		`Generated in ${seconds(generateMs)}; loaded (multi-row inserts + ANALYZE) in ` +
			runs.map((run) => `${databaseNames[run.kind]} ${seconds(run.loadMs)}`).join(', ')
	);
	console.log('');
	console.log(formatTable(rows));
	console.log('');
	console.log(`target: p95 < ${targetP95Ms} ms on Postgres — ${report.target.pass ? 'PASS' : 'FAIL'} (p95 ${postgresAll.p95Ms.toFixed(1)} ms)`);
}

async function benchmark(kind: DatabaseKind, people: readonly GeneratedPatient[], warmUp: readonly SearchCase[], cases: readonly SearchCase[]): Promise<DatabaseRun> {
	progress(`${databaseNames[kind]}: creating the database…`);
	const database: TestDatabase = await createTestDatabase(kind);
	try {
		const loadStart = performance.now();
		await insertInBatches(database.db, patients, people, 1000);
		// Fresh statistics, as autovacuum would have gathered on a database in use.
		await database.db.execute(sql`analyze ${patients}`);
		const loadMs = performance.now() - loadStart;
		progress(`${databaseNames[kind]}: loaded in ${(loadMs / 1000).toFixed(1)} s; searching…`);

		for (const query of warmUp) await runPatientSearch(database.db, query);
		const timings: DatabaseRun['timings'] = [];
		for (const query of cases) {
			const started = performance.now();
			await runPatientSearch(database.db, query);
			timings.push({ kind: query.kind, ms: performance.now() - started });
		}
		return { kind, loadMs, timings };
	} finally {
		await database.drop();
	}
}

/** `count` searches in the proportions of `queryMix`, built from real rows so most of them match. */
function searchCases(random: SeededRandom, people: readonly GeneratedPatient[], count: number): SearchCase[] {
	const commonFamilies = mostCommonFamilyNames(people, 5);
	const cases: SearchCase[] = [];
	for (const [kind, share] of queryMix) {
		const n = kind === queryMix[0][0] ? 0 : Math.round(count * share);
		for (let i = 0; i < n; i++) cases.push(searchCase(random, people, kind, commonFamilies));
	}
	// The first kind takes the rounding remainder, so the list has exactly `count` cases.
	while (cases.length < count) cases.push(searchCase(random, people, queryMix[0][0], commonFamilies));
	return random.faker.helpers.shuffle(cases);
}

function searchCase(random: SeededRandom, people: readonly GeneratedPatient[], kind: QueryKind, commonFamilies: readonly string[]): SearchCase {
	const person = random.pick(people);
	const family = person.familyName.toLowerCase();
	switch (kind) {
		case 'family fragment': {
			// Mostly the start of the name, as people type; sometimes a piece from the middle.
			const length = random.int(Math.min(3, family.length), Math.min(6, family.length));
			const start = random.chance(0.7) ? 0 : random.int(0, family.length - length);
			return { kind, text: family.slice(start, start + length), page: 1 };
		}
		case 'given family':
			return { kind, text: `${person.givenName} ${person.familyName}`, page: 1 };
		case 'family name':
			return { kind, text: person.familyName, page: 1 };
		case 'date of birth': {
			const [year, month, day] = person.birthDate.split('-');
			return { kind, text: random.chance(0.5) ? person.birthDate : `${month}/${day}/${year}`, page: 1 };
		}
		case 'MRN prefix':
			return { kind, text: person.mrn.slice(0, random.int(4, 7)), page: 1 };
		case 'common name, page 2':
			return { kind, text: random.pick(commonFamilies), page: 2 };
	}
}

function mostCommonFamilyNames(people: readonly GeneratedPatient[], top: number): string[] {
	const counts = new Map<string, number>();
	for (const p of people) counts.set(p.familyName, (counts.get(p.familyName) ?? 0) + 1);
	return [...counts.entries()]
		.sort((a, b) => b[1] - a[1])
		.slice(0, top)
		.map(([name]) => name);
}

function latencyRows(run: DatabaseRun): LatencyRow[] {
	const database = databaseNames[run.kind];
	const row = (kind: LatencyRow['kind'], samples: number[]): LatencyRow => ({
		database,
		kind,
		n: samples.length,
		p50Ms: round(percentile(samples, 50)),
		p95Ms: round(percentile(samples, 95)),
		maxMs: round(Math.max(...samples))
	});
	return [
		...queryMix.map(([kind]) => row(kind, run.timings.filter((t) => t.kind === kind).map((t) => t.ms))),
		row('all', run.timings.map((t) => t.ms))
	];
}

/** Nearest-rank percentile. */
function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Each query kind's PGlite row, then its Postgres row with the p95 as a multiple of PGlite's. */
function formatTable(rows: readonly LatencyRow[]): string {
	const kinds = [...queryMix.map(([kind]) => kind), 'all' as const];
	const header = ['database', 'query kind', 'n', 'p50 ms', 'p95 ms', 'max ms', 'p95 vs PGlite'];
	const lines: string[][] = [];
	for (const kind of kinds) {
		const baseline = rows.find((r) => r.kind === kind && r.database === databaseNames.pglite);
		for (const r of rows.filter((x) => x.kind === kind)) {
			const ratio = r.database === databaseNames.pglite || !baseline ? '' : `${(r.p95Ms / baseline.p95Ms).toFixed(2)}×`;
			lines.push([r.database, r.kind, String(r.n), r.p50Ms.toFixed(1), r.p95Ms.toFixed(1), r.maxMs.toFixed(1), ratio]);
		}
	}
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
	const numeric = new Set([2, 3, 4, 5, 6]);
	const format = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
	return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

function positiveInteger(value: string | undefined, flag: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, not "${value}"`);
	return n;
}

function round(ms: number): number {
	return Math.round(ms * 100) / 100;
}

/** Progress goes to stderr, so `--json` leaves exactly one JSON document on stdout. */
function progress(message: string): void {
	process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
	console.error('The search benchmark failed:', error);
	process.exitCode = 1;
});
