import { pgTable, text, uuid, timestamp, index, bigserial, bigint, inet, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { users } from './identity';

/**
 * The parts of a patient record, by how sensitive they are (see app/lib/server/access/policy.ts):
 * demographics (front desk), codes (billing), clinical, documents.
 */
export const recordParts = ['demographics', 'codes', 'clinical', 'documents'] as const;
export type RecordPart = (typeof recordParts)[number];

export const proxyScopes = ['messages', 'appointments', 'records', 'billing'] as const;
export type ProxyScope = (typeof proxyScopes)[number];

/** A parent of a minor or a caregiver of a senior acting for the patient, within scopes, until expiry. */
export const proxyGrants = pgTable(
	'proxy_grants',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		proxyUserId: uuid('proxy_user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		relationship: text('relationship').$type<'parent' | 'guardian' | 'caregiver'>().notNull(),
		scopes: text('scopes').array().$type<ProxyScope[]>().notNull(),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
		revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
		...timestamps
	},
	(t) => [index('proxy_grants_proxy_idx').on(t.proxyUserId), index('proxy_grants_patient_idx').on(t.patientId)]
);

/**
 * Append-only record of who touched which patient data, written by the access layer.
 * Not foreign-keyed: an audit row must outlive the user or patient it names.
 */
export const auditEvents = pgTable(
	'audit_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		actorUserId: uuid('actor_user_id'),
		actorRole: text('actor_role'),
		action: text('action').notNull(),
		patientId: uuid('patient_id'),
		resourceType: text('resource_type'),
		resourceId: text('resource_id'),
		outcome: text('outcome').$type<'success' | 'denied' | 'failure'>().notNull(),
		sourceAddress: inet('source_address'),
		reason: text('reason'),
		requestId: text('request_id'),
		/**
		 * Tamper evidence, filled by the database (trigger audit_events_chain, migration 0003):
		 * seq counts events without gaps; hash = SHA-256(prev_hash | the row's fields).
		 */
		seq: bigint('seq', { mode: 'number' }),
		prevHash: text('prev_hash'),
		hash: text('hash')
	},
	(t) => [
		index('audit_events_patient_time_idx').on(t.patientId, t.occurredAt),
		index('audit_events_actor_time_idx').on(t.actorUserId, t.occurredAt),
		index('audit_events_action_time_idx').on(t.action, t.occurredAt),
		uniqueIndex('audit_events_seq_uq').on(t.seq)
	]
);

export type ProxyGrant = typeof proxyGrants.$inferSelect;
export type NewProxyGrant = typeof proxyGrants.$inferInsert;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
