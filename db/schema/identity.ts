import { pgTable, text, uuid, timestamp, boolean, index, uniqueIndex, integer } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { practitioners } from './care';

export const roles = [
	'clinic_admin',
	'physician',
	'nurse',
	'front_desk',
	'billing',
	'patient',
	'proxy',
	/** A practitioner elsewhere or another person a patient shared parts of the record with. */
	'external'
] as const;
export type Role = (typeof roles)[number];

export const users = pgTable(
	'users',
	{
		id: id(),
		/** Stored lower-cased; unique among all accounts. */
		email: text('email').notNull(),
		displayName: text('display_name').notNull(),
		passwordHash: text('password_hash').notNull(),
		role: text('role').$type<Role>().notNull(),
		/** Set for physicians and nurses: the clinical identity this account acts as. */
		practitionerId: uuid('practitioner_id').references(() => practitioners.id, { onDelete: 'set null' }),
		/** Set for patients: the record this account owns. */
		patientId: uuid('patient_id').references(() => patients.id, { onDelete: 'set null' }),
		active: boolean('active').notNull().default(true),
		failedSignIns: integer('failed_sign_ins').notNull().default(0),
		lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
		passwordChangedAt: timestamp('password_changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		...timestamps
	},
	(t) => [
		uniqueIndex('users_email_uq').on(sql`lower(${t.email})`),
		index('users_patient_idx').on(t.patientId),
		index('users_practitioner_idx').on(t.practitionerId)
	]
);

/**
 * Sessions as Lucia's guide describes: the browser holds a random token, the table holds only
 * its SHA-256 (hex) as the id, so a leaked table cannot be replayed as cookies.
 */
export const sessions = pgTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		userAgent: text('user_agent').notNull().default(''),
		sourceAddress: text('source_address').notNull().default(''),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
