import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, id } from './columns';
import { clinics } from './clinic';
import { patients } from './patients';
import { practitioners } from './care';
import { users, type Role } from './identity';
import { encounters } from './clinical';
import { documents } from './documents';
import { appointments } from './scheduling';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Video consults. A consult is one call about one patient, tied to an encounter (whose
 * `note:<encounterId>` document is the consult note) and, when it came from the schedule, to a
 * telehealth appointment. Media never touches these tables: they hold who may be in the room,
 * who is waiting, what happened, and consent — the things a clinic must be able to show later.
 */

export const consultStatuses = ['open', 'in_progress', 'ended'] as const;
export type ConsultStatus = (typeof consultStatuses)[number];
export const mediaTransports = ['p2p', 'livekit'] as const;
export type MediaTransportKind = (typeof mediaTransports)[number];

export const consults = pgTable(
	'consults',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		encounterId: uuid('encounter_id')
			.notNull()
			.references(() => encounters.id, { onDelete: 'cascade' }),
		/** Null for an unscheduled consult started from the patient's page. */
		appointmentId: uuid('appointment_id').references(() => appointments.id, { onDelete: 'set null' }),
		practitionerId: uuid('practitioner_id').references(() => practitioners.id, { onDelete: 'set null' }),
		/** The clinician who runs the room (admits, shares, records). */
		hostUserId: uuid('host_user_id').references(() => users.id, { onDelete: 'set null' }),
		status: text('status').$type<ConsultStatus>().notNull().default('open'),
		transport: text('transport').$type<MediaTransportKind>().notNull().default('p2p'),
		/** The media room's name (LiveKit room, or the P2P signaling room): random, never the patient's name. */
		roomName: text('room_name').notNull(),
		/** Most people in the call at once, host included; the waiting room holds the rest. */
		capacity: integer('capacity').notNull().default(4),
		createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
		createdAt: timestamptz('created_at').notNull().defaultNow(),
		startedAt: timestamptz('started_at'),
		endedAt: timestamptz('ended_at'),
		updatedAt: timestamptz('updated_at').notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('consults_room_name_key').on(t.roomName),
		uniqueIndex('consults_appointment_key').on(t.appointmentId),
		index('consults_patient_idx').on(t.patientId, t.createdAt),
		index('consults_encounter_idx').on(t.encounterId)
	]
);

export const consultParticipantRoles = ['host', 'clinician', 'patient', 'proxy'] as const;
export type ConsultParticipantRole = (typeof consultParticipantRoles)[number];
/** waiting → admitted → (left | removed); declined when the host turns someone away. */
export const consultParticipantStatuses = ['waiting', 'admitted', 'declined', 'left', 'removed'] as const;
export type ConsultParticipantStatus = (typeof consultParticipantStatuses)[number];

export const consultParticipants = pgTable(
	'consult_participants',
	{
		id: id(),
		consultId: uuid('consult_id')
			.notNull()
			.references(() => consults.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		role: text('role').$type<ConsultParticipantRole>().notNull(),
		status: text('status').$type<ConsultParticipantStatus>().notNull().default('waiting'),
		/** Position in the waiting room is by this instant (first come, first served). */
		waitingSince: timestamptz('waiting_since'),
		admittedAt: timestamptz('admitted_at'),
		admittedBy: uuid('admitted_by').references(() => users.id, { onDelete: 'set null' }),
		/** First and last time the media layer saw them in the call (socket, or a LiveKit webhook). */
		joinedAt: timestamptz('joined_at'),
		leftAt: timestamptz('left_at'),
		updatedAt: timestamptz('updated_at').notNull().defaultNow()
	},
	(t) => [uniqueIndex('consult_participants_consult_user_key').on(t.consultId, t.userId), index('consult_participants_status_idx').on(t.consultId, t.status, t.waitingSince)]
);

export const consultEventKinds = [
	'created',
	'waiting',
	'admitted',
	'declined',
	'joined',
	'left',
	'removed',
	'message_to_waiting',
	'document_shared',
	'recording_consent_granted',
	'recording_consent_withdrawn',
	'recording_started',
	'recording_stopped',
	'ended'
] as const;
export type ConsultEventKind = (typeof consultEventKinds)[number];

/** What happened in the visit, in order: the visit record's timeline. `detail` never holds PHI. */
export const consultEvents = pgTable(
	'consult_events',
	{
		id: id(),
		consultId: uuid('consult_id')
			.notNull()
			.references(() => consults.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<ConsultEventKind>().notNull(),
		userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
		/** 'app' for what the app saw itself; 'livekit' for a verified webhook. */
		source: text('source').$type<'app' | 'livekit'>().notNull().default('app'),
		detail: jsonb('detail').$type<Record<string, string | number | boolean | null>>().notNull().default({}),
		at: timestamptz('at').notNull().defaultNow()
	},
	(t) => [index('consult_events_consult_idx').on(t.consultId, t.at)]
);

/** A report the clinician shared into a call. Sharing also shares it with the patient (documents.shared_with_patient_at). */
export const consultSharedDocuments = pgTable(
	'consult_shared_documents',
	{
		consultId: uuid('consult_id')
			.notNull()
			.references(() => consults.id, { onDelete: 'cascade' }),
		documentId: uuid('document_id')
			.notNull()
			.references(() => documents.id, { onDelete: 'cascade' }),
		sharedBy: uuid('shared_by').references(() => users.id, { onDelete: 'set null' }),
		sharedAt: timestamptz('shared_at').notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.consultId, t.documentId] })]
);

/** A document a patient (and their proxies with the documents scope) may see in the portal. */
export const documentPatientShares = pgTable('document_patient_shares', {
	documentId: uuid('document_id')
		.primaryKey()
		.references(() => documents.id, { onDelete: 'cascade' }),
	sharedBy: uuid('shared_by').references(() => users.id, { onDelete: 'set null' }),
	sharedAt: timestamptz('shared_at').notNull().defaultNow()
});

export const recordingConsentDecisions = ['granted', 'withdrawn'] as const;
export type RecordingConsentDecision = (typeof recordingConsentDecisions)[number];

/** Every consent and withdrawal, append-only; a participant's latest row is their current decision. */
export const recordingConsents = pgTable(
	'recording_consents',
	{
		id: id(),
		consultId: uuid('consult_id')
			.notNull()
			.references(() => consults.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		decision: text('decision').$type<RecordingConsentDecision>().notNull(),
		at: timestamptz('at').notNull().defaultNow()
	},
	(t) => [index('recording_consents_consult_idx').on(t.consultId, t.userId, t.at)]
);

export const recordingStatuses = ['recording', 'stopped', 'failed'] as const;
export type RecordingStatus = (typeof recordingStatuses)[number];

/** A recording of a consult, linked to the patient's record. Bytes live in recording_chunks, encrypted. */
export const recordings = pgTable(
	'recordings',
	{
		id: id(),
		consultId: uuid('consult_id')
			.notNull()
			.references(() => consults.id, { onDelete: 'cascade' }),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		status: text('status').$type<RecordingStatus>().notNull().default('recording'),
		transport: text('transport').$type<MediaTransportKind>().notNull(),
		/** LiveKit egress id when LiveKit records; null for a browser-made P2P recording. */
		egressId: text('egress_id'),
		contentType: text('content_type').notNull().default('video/webm'),
		byteSize: integer('byte_size').notNull().default(0),
		/** Why it stopped: 'host', 'consent_withdrawn', 'call_ended', 'failed'. */
		stopReason: text('stop_reason'),
		startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
		startedAt: timestamptz('started_at').notNull().defaultNow(),
		stoppedAt: timestamptz('stopped_at')
	},
	(t) => [index('recordings_consult_idx').on(t.consultId), index('recordings_patient_idx').on(t.patientId, t.startedAt)]
);

/** Encrypted pieces of a recording, in order (AES-256-GCM with the documents cipher; key_id names the key). */
export const recordingChunks = pgTable(
	'recording_chunks',
	{
		recordingId: uuid('recording_id')
			.notNull()
			.references(() => recordings.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		keyId: text('key_id').notNull(),
		nonce: bytea('nonce').notNull(),
		ciphertext: bytea('ciphertext').notNull()
	},
	(t) => [primaryKey({ columns: [t.recordingId, t.seq] })]
);

/** A later addition to a finished visit's record: timestamped, attributed, never edited. */
export const visitAddenda = pgTable(
	'visit_addenda',
	{
		id: id(),
		encounterId: uuid('encounter_id')
			.notNull()
			.references(() => encounters.id, { onDelete: 'cascade' }),
		authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
		/** The author's name as it was when written, so the record reads the same after a rename. */
		authorName: text('author_name').notNull(),
		text: text('text').notNull(),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(t) => [index('visit_addenda_encounter_idx').on(t.encounterId, t.createdAt)]
);

/** One row per clinic: how consults run there. */
export const consultSettings = pgTable('consult_settings', {
	clinicId: uuid('clinic_id')
		.primaryKey()
		.references(() => clinics.id, { onDelete: 'cascade' }),
	/** Most people waiting in one room's waiting room; a patient past it is told to try again shortly. */
	waitingRoomCapacity: integer('waiting_room_capacity').notNull().default(10),
	/** Most people in one call, host included (the P2P transport's mesh allows up to 4). */
	callCapacity: integer('call_capacity').notNull().default(4),
	/** Roles that may draw on a shared report. Patients and proxies annotate only documents shared with them. */
	annotateRoles: text('annotate_roles').array().$type<Role[]>().notNull().default(sql`ARRAY['physician','nurse','patient','proxy']::text[]`),
	recordingEnabled: boolean('recording_enabled').notNull().default(true),
	updatedAt: timestamptz('updated_at').notNull().defaultNow()
});

export type Consult = typeof consults.$inferSelect;
export type NewConsult = typeof consults.$inferInsert;
export type ConsultParticipant = typeof consultParticipants.$inferSelect;
export type ConsultEvent = typeof consultEvents.$inferSelect;
export type ConsultSharedDocument = typeof consultSharedDocuments.$inferSelect;
export type DocumentPatientShare = typeof documentPatientShares.$inferSelect;
export type RecordingConsent = typeof recordingConsents.$inferSelect;
export type Recording = typeof recordings.$inferSelect;
export type RecordingChunk = typeof recordingChunks.$inferSelect;
export type VisitAddendum = typeof visitAddenda.$inferSelect;
export type ConsultSettings = typeof consultSettings.$inferSelect;
