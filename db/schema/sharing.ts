import { pgTable, text, uuid, timestamp, index } from 'drizzle-orm/pg-core';
import { id } from './columns';
import { patients } from './patients';
import { users } from './identity';
import type { RecordPart } from './access';

/**
 * A patient (or a proxy with the records scope) shares chosen parts of the record with a named
 * practitioner or an outside person, for a period. Revocation takes effect at once.
 */
export const recordShares = pgTable(
	'record_shares',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		grantedByUserId: uuid('granted_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		granteeUserId: uuid('grantee_user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		parts: text('parts').array().$type<RecordPart[]>().notNull(),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
		revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('record_shares_grantee_idx').on(t.granteeUserId, t.patientId), index('record_shares_patient_idx').on(t.patientId)]
);

/**
 * "Break the glass": a practitioner outside the care team opens a chart after stating why.
 * Lasts 60 minutes, is audited with the reason and shown to admins and to the patient.
 */
export const breakGlassAccesses = pgTable(
	'break_glass_accesses',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		reason: text('reason').notNull(),
		startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull()
	},
	(t) => [index('break_glass_user_patient_idx').on(t.userId, t.patientId, t.expiresAt), index('break_glass_patient_idx').on(t.patientId, t.startedAt)]
);

export type RecordShare = typeof recordShares.$inferSelect;
export type NewRecordShare = typeof recordShares.$inferInsert;
export type BreakGlassAccess = typeof breakGlassAccesses.$inferSelect;
