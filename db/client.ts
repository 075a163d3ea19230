import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;
/** Both drivers give this type, so domain code never knows which database it runs on. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
	kind: DatabaseKind;
	db: Database;
	/** Throws when the database cannot answer a trivial query. */
	ping(): Promise<void>;
	close(): Promise<void>;
}

export interface DatabaseOptions {
	/** `postgres://…` selects PostgreSQL; otherwise the embedded PGlite is used. */
	url?: string;
	/** PGlite data directory; `memory://` keeps everything in memory (tests). */
	dataDir?: string;
	/** Connections in the postgres.js pool. */
	maxConnections?: number;
	/** PGlite only: start from this data directory image (from `dumpDataDir`) instead of an empty one (tests). */
	pgliteImage?: Blob;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
	if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
	return openPglite(options.dataDir ?? 'memory://', options.pgliteImage);
}

async function openPglite(dataDir: string, image?: Blob): Promise<DatabaseHandle> {
	// PGlite creates only the last folder of the path; a fresh DATA_DIR needs its parents.
	if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
	const client = await PGlite.create({ dataDir, extensions: { pg_trgm, btree_gist }, ...(image ? { loadDataDir: image } : {}) });
	const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Database;
	return {
		kind: 'pglite',
		db,
		ping: async () => {
			await client.query('select 1');
		},
		close: async () => {
			if (!client.closed) await client.close();
		}
	};
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
	const client = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'clinicsync' } });
	const db = drizzlePostgres({ client, schema, casing: 'snake_case' }) as unknown as Database;
	return {
		kind: 'postgres',
		db,
		ping: async () => {
			await db.execute(sql`select 1`);
		},
		close: async () => {
			await client.end({ timeout: 5 });
		}
	};
}
