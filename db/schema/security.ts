import { pgTable, text, uuid, timestamp, integer, index, uniqueIndex, jsonb } from 'drizzle-orm/pg-core';
import { bytea, id } from './columns';
import { users } from './identity';

/** An authenticator app's shared secret, sealed with the server's secrets key (never stored in clear). */
export const totpCredentials = pgTable('totp_credentials', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	keyId: text('key_id').notNull(),
	nonce: bytea('nonce').notNull(),
	sealedSecret: bytea('sealed_secret').notNull(),
	/** Null until the person proves the app works by entering a code. */
	confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
	/** The last 30-second step a code was accepted for: a code is good once. */
	lastUsedStep: integer('last_used_step'),
	createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
});

/** Ten single-use codes for when the phone is lost; stored as SHA-256 only. */
export const recoveryCodes = pgTable(
	'recovery_codes',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		codeHash: text('code_hash').notNull(),
		usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('recovery_codes_user_idx').on(t.userId), uniqueIndex('recovery_codes_hash_uq').on(t.codeHash)]
);

export const oneTimeTokenPurposes = ['invitation', 'password_reset', 'email_sign_in_code', 'mfa_pending'] as const;
export type OneTimeTokenPurpose = (typeof oneTimeTokenPurposes)[number];

/**
 * Single-use secrets sent by email or held between sign-in steps: invitation and reset links
 * (1 hour), emailed sign-in codes (10 minutes), the pending second step of a sign-in. Only the
 * SHA-256 is stored; `attempts` bounds guessing of short codes.
 */
export const oneTimeTokens = pgTable(
	'one_time_tokens',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		purpose: text('purpose').$type<OneTimeTokenPurpose>().notNull(),
		tokenHash: text('token_hash').notNull(),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
		attempts: integer('attempts').notNull().default(0),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('one_time_tokens_hash_uq').on(t.tokenHash), index('one_time_tokens_user_purpose_idx').on(t.userId, t.purpose)]
);

export const outboxChannels = ['email', 'sms'] as const;
export const outboxStatuses = ['pending', 'sending', 'sent', 'failed'] as const;

export interface OutboxEmail {
	to: string;
	subject: string;
	text: string;
	html?: string;
	attachments?: { filename: string; contentType: string; contentBase64: string }[];
}

export interface OutboxSms {
	to: string;
	text: string;
}

/**
 * Durable outbox: a message is written in the same transaction as the change that causes it,
 * then delivered by a worker with retries. `idempotency_key` makes a second enqueue a no-op and
 * is sent along (Message-ID) so a retry after a crash mid-send is recognisable downstream.
 */
export const outboxMessages = pgTable(
	'outbox_messages',
	{
		id: id(),
		channel: text('channel').$type<(typeof outboxChannels)[number]>().notNull(),
		idempotencyKey: text('idempotency_key').notNull(),
		recipient: text('recipient').notNull(),
		/** What the message is about, for the admin view; never the body. */
		topic: text('topic').notNull(),
		payload: jsonb('payload').$type<OutboxEmail | OutboxSms>().notNull(),
		status: text('status').$type<(typeof outboxStatuses)[number]>().notNull().default('pending'),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
		lastError: text('last_error'),
		sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('outbox_messages_idempotency_uq').on(t.idempotencyKey), index('outbox_messages_due_idx').on(t.status, t.nextAttemptAt)]
);

export type TotpCredential = typeof totpCredentials.$inferSelect;
export type RecoveryCode = typeof recoveryCodes.$inferSelect;
export type OneTimeToken = typeof oneTimeTokens.$inferSelect;
export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type NewOutboxMessage = typeof outboxMessages.$inferInsert;
