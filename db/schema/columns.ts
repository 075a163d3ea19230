import { customType, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Primary key: random UUIDs so ids leak no counts and can be made offline. */
export const id = () => uuid('id').primaryKey().defaultRandom();

/** Time stamps every row carries; `updated_at` is set by the writing module. */
export const timestamps = {
	createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
};

/** Raw bytes (bytea); both drivers hand back a Uint8Array (postgres.js a Buffer, which is one). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
