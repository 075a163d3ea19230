import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../client';

/** A transaction or the database itself: inserts work the same on both. */
export type Writer = Pick<Database, 'insert'>;

/**
 * Multi-row inserts of `batchSize` rows. One statement per row costs a round trip each (and on
 * PGlite a trip through WebAssembly); one statement for everything would pass PostgreSQL's
 * limit of 65,535 bind parameters. A few hundred rows a statement is the middle way.
 */
export async function insertInBatches<T extends PgTable>(
	db: Writer,
	table: T,
	rows: readonly T['$inferInsert'][],
	batchSize = 500
): Promise<void> {
	for (let offset = 0; offset < rows.length; offset += batchSize) {
		await db.insert(table).values(rows.slice(offset, offset + batchSize) as T['$inferInsert'][]);
	}
}
