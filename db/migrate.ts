import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { DatabaseHandle, Schema } from './client';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the committed SQL migrations that have not run yet; safe to call at every start. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
	if (handle.kind === 'pglite') {
		await migratePglite(handle.db as unknown as PgliteDatabase<Schema>, { migrationsFolder });
	} else {
		await migratePostgres(handle.db as unknown as PostgresJsDatabase<Schema>, { migrationsFolder });
	}
}
