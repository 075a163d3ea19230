/**
 * Test databases: every database test runs once on PGlite (in memory) and once on PostgreSQL
 * (a fresh database per call, on the server named by TEST_DATABASE_URL, by default the local
 * `test` database's server). Each call returns a migrated, empty database and its teardown.
 *
 * Migrating from nothing costs seconds per database (PGlite: its initdb plus every migration;
 * PostgreSQL: every migration), and the suite makes hundreds. So the migrated, empty database is
 * made once per set of migrations and copied: PGlite starts from a dump of its data directory
 * (kept in the temp directory, shared by test processes), PostgreSQL creates each database from a
 * template database. Both are named by a hash of the migrations, so a changed migration makes a
 * new one; `migrateDatabase` still runs on every copy (a no-op unless something is missing).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle, type DatabaseKind } from './client';
import { migrateDatabase, migrationsFolder } from './migrate';

export const testDatabaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends DatabaseHandle {
	/** Connection string for a second process (postgres only). */
	url?: string;
	drop(): Promise<void>;
}

/** Names the migrated schema: the migration files (SQL and journal) and the PGlite version. */
function migrationsKey(): string {
	const hash = createHash('sha256');
	const files = (folder: string): string[] =>
		readdirSync(folder, { withFileTypes: true })
			.flatMap((entry) => (entry.isDirectory() ? files(path.join(folder, entry.name)) : [path.join(folder, entry.name)]))
			.sort();
	for (const file of files(migrationsFolder)) hash.update(path.relative(migrationsFolder, file)).update('\0').update(readFileSync(file)).update('\0');
	// A dump is only good for the PGlite that made it (its package.json is not exported: found by path).
	const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
	const pgliteRoot = pgliteEntry.slice(0, pgliteEntry.lastIndexOf(`${path.sep}dist${path.sep}`));
	hash.update(readFileSync(path.join(pgliteRoot, 'package.json')));
	return hash.digest('hex').slice(0, 16);
}

let key: string | undefined;
const schemaKey = () => (key ??= migrationsKey());

let pgliteImage: Promise<Blob> | undefined;

/** The data directory of a migrated, empty PGlite database, made once and kept in the temp directory. */
function migratedPgliteImage(): Promise<Blob> {
	return (pgliteImage ??= (async () => {
		const folder = path.join(tmpdir(), 'clinicsync-test-databases');
		const file = path.join(folder, `pglite-${schemaKey()}.tar`);
		if (existsSync(file)) return new Blob([readFileSync(file)]);
		const handle = await openDatabase({ dataDir: 'memory://' });
		try {
			await migrateDatabase(handle);
			const client = (handle.db as unknown as { $client: { dumpDataDir(compression: 'none'): Promise<Blob> } }).$client;
			const image = await client.dumpDataDir('none');
			mkdirSync(folder, { recursive: true });
			// Several test processes may make it at once: each writes its own file, the rename is atomic.
			const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
			writeFileSync(partial, new Uint8Array(await image.arrayBuffer()));
			renameSync(partial, file);
			return image;
		} finally {
			await handle.close();
		}
	})().catch((error: unknown) => {
		pgliteImage = undefined;
		throw error;
	}));
}

let postgresTemplate: Promise<string> | undefined;

/**
 * A migrated, empty database on the test server that new test databases are copied from. Made
 * under an advisory lock (test processes run side by side) as `<name>_partial`, renamed when
 * complete, and never connected to again (a template must have no connections while copied).
 */
function migratedPostgresTemplate(admin: postgres.Sql): Promise<string> {
	return (postgresTemplate ??= (async () => {
		const name = `clinicsync_template_${schemaKey()}`;
		const exists = async () => (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
		if (await exists()) return name;
		const lock = Number.parseInt(schemaKey().slice(0, 8), 16);
		await admin`select pg_advisory_lock(${lock})`;
		try {
			if (await exists()) return name;
			const partial = `${name}_partial`;
			await admin.unsafe(`drop database if exists ${partial} with (force)`);
			await admin.unsafe(`create database ${partial}`);
			const url = new URL(testPostgresUrl);
			url.pathname = `/${partial}`;
			const handle = await openDatabase({ url: url.toString(), maxConnections: 1 });
			try {
				await migrateDatabase(handle);
			} finally {
				await handle.close();
			}
			await admin.unsafe(`alter database ${partial} rename to ${name}`);
			return name;
		} finally {
			await admin`select pg_advisory_unlock(${lock})`;
		}
	})().catch((error: unknown) => {
		postgresTemplate = undefined;
		throw error;
	}));
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
	if (kind === 'pglite') {
		const handle = await openDatabase({ dataDir: 'memory://', pgliteImage: await migratedPgliteImage() });
		await migrateDatabase(handle);
		return { ...handle, drop: () => handle.close() };
	}
	const name = `clinicsync_t_${randomBytes(6).toString('hex')}`;
	const admin = postgres(testPostgresUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database ${name} template ${await migratedPostgresTemplate(admin)}`);
	} finally {
		await admin.end();
	}
	const url = new URL(testPostgresUrl);
	url.pathname = `/${name}`;
	const handle = await openDatabase({ url: url.toString(), maxConnections: 5 });
	await migrateDatabase(handle);
	return {
		...handle,
		url: url.toString(),
		drop: async () => {
			await handle.close();
			const cleanup = postgres(testPostgresUrl, { max: 1, onnotice: () => {} });
			try {
				await cleanup.unsafe(`drop database if exists ${name} with (force)`);
			} finally {
				await cleanup.end();
			}
		}
	};
}
