/**
 * Test databases: every database test runs once on PGlite (in memory) and once on PostgreSQL
 * (a fresh database per call, on the server named by TEST_DATABASE_URL, by default the local
 * `test` database's server). Each call returns a migrated, empty database and its teardown.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle, type DatabaseKind } from './client';
import { migrateDatabase } from './migrate';

export const testDatabaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends DatabaseHandle {
	/** Connection string for a second process (postgres only). */
	url?: string;
	drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
	if (kind === 'pglite') {
		const handle = await openDatabase({ dataDir: 'memory://' });
		await migrateDatabase(handle);
		return { ...handle, drop: () => handle.close() };
	}
	const name = `clinicsync_t_${randomBytes(6).toString('hex')}`;
	const admin = postgres(testPostgresUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database ${name}`);
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
