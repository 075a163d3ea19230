import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { bytea, id, timestamps } from './columns';
import { patients } from './patients';
import { users } from './identity';

/**
 * End-to-end encrypted messaging (issue 5). The server relays and stores only ciphertext,
 * public keys and metadata (who, to which conversation, when, how big). Private keys and
 * plaintext never reach it. Base64 columns hold libsodium's URL-safe, unpadded base64.
 */

/**
 * - direct, group: staff with staff
 * - care_team: the clinicians of one patient's care team, about that patient (clinical)
 * - patient_care: the patient (and proxies with the messages scope) with their care team
 * - patient_appointments: the patient (and proxies) with the front desk, about appointments
 */
export const conversationKinds = ['direct', 'group', 'care_team', 'patient_care', 'patient_appointments'] as const;
export type ConversationKind = (typeof conversationKinds)[number];

export const conversations = pgTable(
	'conversations',
	{
		id: id(),
		kind: text('kind').$type<ConversationKind>().notNull(),
		/** A group's name. Metadata, not content: patient threads derive theirs from the patient. */
		title: text('title'),
		/** Set for care_team, patient_care and patient_appointments. */
		patientId: uuid('patient_id').references(() => patients.id, { onDelete: 'cascade' }),
		createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
		/**
		 * Goes up by one whenever a member leaves or a member's device is revoked. A sending
		 * session started under an older epoch is refused, so every sender rotates its key and a
		 * removed member cannot read what is sent afterwards.
		 */
		keyEpoch: integer('key_epoch').notNull().default(0),
		/** The last message's sequence number; the next message gets lastSeq + 1. */
		lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
		/** Roles that join this thread read-only (e.g. billing on a patient thread). */
		viewOnlyRoles: text('view_only_roles').array().notNull().default(sql`ARRAY[]::text[]`),
		...timestamps
	},
	(t) => [
		// One care-team thread, one patient thread and one appointments thread per patient.
		uniqueIndex('conversations_patient_kind_uq').on(t.patientId, t.kind).where(sql`${t.patientId} is not null`),
		index('conversations_kind_idx').on(t.kind)
	]
);

export const memberAccessLevels = ['post', 'read'] as const;
export type MemberAccess = (typeof memberAccessLevels)[number];

export const conversationMembers = pgTable(
	'conversation_members',
	{
		conversationId: uuid('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		access: text('access').$type<MemberAccess>().notNull().default('post'),
		/** The member sees messages after this sequence number (those sent before they joined are not theirs). */
		joinedSeq: bigint('joined_seq', { mode: 'number' }).notNull().default(0),
		/** Receipts: the highest sequence number delivered to (decrypted on) any of the member's devices, and read. */
		deliveredSeq: bigint('delivered_seq', { mode: 'number' }).notNull().default(0),
		readSeq: bigint('read_seq', { mode: 'number' }).notNull().default(0),
		muted: boolean('muted').notNull().default(false),
		...timestamps
	},
	(t) => [
		primaryKey({ name: 'conversation_members_pk', columns: [t.conversationId, t.userId] }),
		index('conversation_members_user_idx').on(t.userId)
	]
);

/** A user's identity key (Ed25519, public): it signs the user's devices. Replaced only by a key reset. */
export const chatIdentities = pgTable('chat_identities', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	identityKey: text('identity_key').notNull(),
	...timestamps
});

/**
 * A browser device's public keys: Ed25519 (signs messages) and X25519 (receives room keys).
 * `signature` is the identity key's signature over the device (app/lib/chat/crypto); null while
 * the device waits for approval from another of the user's devices. Nobody shares keys with an
 * unsigned or revoked device.
 */
export const chatDevices = pgTable(
	'chat_devices',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		signingKey: text('signing_key').notNull(),
		boxKey: text('box_key').notNull(),
		signature: text('signature'),
		/** "Chromium on Linux": chosen by the browser, shown in the device list. */
		label: text('label').notNull().default(''),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
		...timestamps
	},
	(t) => [index('chat_devices_user_idx').on(t.userId), uniqueIndex('chat_devices_signing_key_uq').on(t.signingKey)]
);

/**
 * The encrypted key backup: the identity and backup private keys sealed with a key derived from
 * the recovery passphrase (Argon2id, crypto_pwhash). The server cannot open it.
 */
export const chatKeyBackups = pgTable('chat_key_backups', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	/** X25519 public key that room keys are sealed to (crypto_box_seal) for the backup. */
	backupPublicKey: text('backup_public_key').notNull(),
	salt: bytea('salt').notNull(),
	opsLimit: integer('ops_limit').notNull(),
	memLimit: integer('mem_limit').notNull(),
	/** nonce ‖ secretbox ciphertext of the identity and backup secret keys. */
	sealedSecrets: bytea('sealed_secrets').notNull(),
	...timestamps
});

/** Room keys in the backup, each sealed to the user's backup public key. */
export const chatBackupRoomKeys = pgTable(
	'chat_backup_room_keys',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		sessionId: text('session_id').notNull(),
		conversationId: uuid('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		sealed: bytea('sealed').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [primaryKey({ name: 'chat_backup_room_keys_pk', columns: [t.userId, t.sessionId] })]
);

/**
 * A sender device's group session in one conversation (Megolm-like): the server knows its id,
 * owner and epoch, never its key. `lastIndex` is the highest message index accepted, so a
 * replayed or reordered message is refused.
 */
export const chatSessions = pgTable(
	'chat_sessions',
	{
		id: text('id').primaryKey(),
		conversationId: uuid('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		senderDeviceId: uuid('sender_device_id')
			.notNull()
			.references(() => chatDevices.id, { onDelete: 'cascade' }),
		senderUserId: uuid('sender_user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		keyEpoch: integer('key_epoch').notNull(),
		lastIndex: integer('last_index').notNull().default(-1),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('chat_sessions_conversation_idx').on(t.conversationId)]
);

export const toDeviceKinds = ['room_key', 'secret_share'] as const;
export type ToDeviceKind = (typeof toDeviceKinds)[number];

/**
 * Encrypted messages from one device to another: room keys (crypto_box to the recipient's
 * X25519 key) and, on approval of a new device, the user's secrets. Deleted once acknowledged.
 */
export const chatToDevice = pgTable(
	'chat_to_device',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		recipientDeviceId: uuid('recipient_device_id')
			.notNull()
			.references(() => chatDevices.id, { onDelete: 'cascade' }),
		senderDeviceId: uuid('sender_device_id')
			.notNull()
			.references(() => chatDevices.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<ToDeviceKind>().notNull(),
		conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'cascade' }),
		sessionId: text('session_id'),
		/** base64 of the encrypted, signed payload (see app/lib/chat/crypto). */
		payload: text('payload').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('chat_to_device_recipient_idx').on(t.recipientDeviceId, t.id)]
);

/** The clinic's compliance public key; the private key was downloaded once and is kept offline. */
export const chatComplianceKeys = pgTable('chat_compliance_keys', {
	id: id(),
	publicKey: text('public_key').notNull(),
	createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
	retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
	...timestamps
});

/** Each group session's key sealed to the compliance key, for a legal review's export. */
export const chatComplianceRoomKeys = pgTable('chat_compliance_room_keys', {
	sessionId: text('session_id')
		.primaryKey()
		.references(() => chatSessions.id, { onDelete: 'cascade' }),
	complianceKeyId: uuid('compliance_key_id')
		.notNull()
		.references(() => chatComplianceKeys.id, { onDelete: 'cascade' }),
	sealed: bytea('sealed').notNull(),
	createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
});

export const chatMessages = pgTable(
	'chat_messages',
	{
		id: id(),
		conversationId: uuid('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		seq: bigint('seq', { mode: 'number' }).notNull(),
		senderUserId: uuid('sender_user_id').references(() => users.id, { onDelete: 'set null' }),
		senderDeviceId: uuid('sender_device_id').notNull(),
		sessionId: text('session_id').notNull(),
		messageIndex: integer('message_index').notNull(),
		/** base64 of nonce ‖ XChaCha20-Poly1305 ciphertext; null once retracted. */
		ciphertext: text('ciphertext'),
		/** base64 Ed25519 signature of the sending device over the envelope. */
		signature: text('signature').notNull(),
		/** Ciphertext bytes plus attachment bytes: what the metadata audit shows. */
		byteSize: integer('byte_size').notNull(),
		retractedAt: timestamp('retracted_at', { withTimezone: true, mode: 'date' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('chat_messages_conversation_seq_uq').on(t.conversationId, t.seq),
		// The database refuses a replay even if two sends race past the session check.
		uniqueIndex('chat_messages_session_index_uq').on(t.sessionId, t.messageIndex),
		index('chat_messages_created_idx').on(t.createdAt)
	]
);

/** An encrypted attachment's ciphertext lives in DATA_DIR/chat-attachments/<id>; this row is its metadata. */
export const chatAttachments = pgTable(
	'chat_attachments',
	{
		id: id(),
		conversationId: uuid('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
		/** Set when a message referring to it is sent; unsent uploads are removed after a day. */
		messageId: uuid('message_id').references(() => chatMessages.id, { onDelete: 'cascade' }),
		byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('chat_attachments_conversation_idx').on(t.conversationId), index('chat_attachments_message_idx').on(t.messageId)]
);

/** One person's verification of another's identity key, after comparing safety numbers. */
export const chatVerifications = pgTable(
	'chat_verifications',
	{
		verifierUserId: uuid('verifier_user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		verifiedUserId: uuid('verified_user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		identityKey: text('identity_key').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [primaryKey({ name: 'chat_verifications_pk', columns: [t.verifierUserId, t.verifiedUserId] })]
);

/** Per-person notification settings for messages; absent means the role's defaults. */
export interface ChatNotificationSettings {
	/** Conversation kinds that notify (in-app and browser). */
	kinds: Record<ConversationKind, boolean>;
	/** Browser (system) notifications when the tab is in the background. */
	browser: boolean;
}

export const chatNotificationPreferences = pgTable('chat_notification_preferences', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	settings: jsonb('settings').$type<ChatNotificationSettings>().notNull(),
	...timestamps
});

/** Messaging settings of the clinic (the single clinics row): retention. */
export const chatClinicSettings = pgTable('chat_clinic_settings', {
	id: integer('id').primaryKey().default(1),
	/** Messages and attachments older than this are deleted; null keeps them indefinitely. */
	retentionDays: integer('retention_days'),
	...timestamps
});

export type Conversation = typeof conversations.$inferSelect;
export type NewConversation = typeof conversations.$inferInsert;
export type ConversationMember = typeof conversationMembers.$inferSelect;
export type ChatDevice = typeof chatDevices.$inferSelect;
export type ChatMessage = typeof chatMessages.$inferSelect;
export type NewChatMessage = typeof chatMessages.$inferInsert;
export type ChatSession = typeof chatSessions.$inferSelect;
export type ChatAttachment = typeof chatAttachments.$inferSelect;
