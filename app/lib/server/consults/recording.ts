/**
 * Recording a consult: consent, start and stop, the encrypted bytes, and playback.
 *
 * Recording needs the recorded consent of everyone in the call. Consent is append-only
 * (recording_consents: a participant's latest row is their decision), audited, and put on the
 * visit's timeline; anyone may withdraw, and a withdrawal while recording stops it at once.
 * With LiveKit the SFU records (egress); peer-to-peer, the host's browser mixes the call and
 * uploads ordered chunks, which are sealed with the documents cipher before they reach the
 * database. Playback is for staff with clinical access to the patient, and is audited.
 *
 * Every change publishes `publishConsultChange({ kind: 'recording' })` after its commit, so the
 * socket handlers push fresh state to the call.
 */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import {
	consultEvents,
	consultParticipants,
	consults,
	recordingChunks,
	recordingConsents,
	recordings,
	type Consult,
	type ConsultEventKind,
	type ConsultParticipant,
	type Recording,
	users
} from '../../../../db/schema/index';
import { startConsultRecording, stopConsultRecording } from '../../../../media/livekit/egress';
import type { RecordingStateView } from '../../realtime/consult-events';
import type { Actor } from '../access/actor';
import { isStaff } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizePatient, requirePermission } from '../access/patient-access';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';
import type { DocumentCipher } from '../documents/cipher';
import type { AppConfig } from '../platform/config';
import { publishConsultChange } from './consult-changes';
import { ConsultRefusal } from './errors';
import { getConsultSettings } from './settings';

export type { RecordingStateView };

/** How the SFU records (B's media/livekit/egress.ts); injectable so tests need no LiveKit. */
export interface EgressPort {
	startConsultRecording(config: NonNullable<AppConfig['livekit']>, roomName: string): Promise<string>;
	stopConsultRecording(config: NonNullable<AppConfig['livekit']>, egressId: string): Promise<void>;
}

export interface RecordingOptions {
	config: Pick<AppConfig, 'livekit'>;
	/** Defaults to media/livekit/egress.ts; only consulted when the consult's transport is LiveKit. */
	egress?: EgressPort;
}

export type StopReason = 'host' | 'consent_withdrawn' | 'call_ended' | 'failed';

/** One uploaded piece; MediaRecorder timeslices are a few hundred KiB, this leaves room. */
export const maxChunkBytes = 8 * 1024 * 1024;
/** A recording's ceiling (the byte_size column is a 32-bit integer); about 4 hours at 500 kbit/s. */
export const maxRecordingBytes = 1024 * 1024 * 1024;
export const maxChunkSeq = 100_000;

// ---------------------------------------------------------------------------------------------
// Consent

export interface ConsentResult {
	granted: boolean;
	/** The recording this withdrawal stopped, if one was running. */
	stoppedRecordingId: string | null;
}

/** An admitted participant grants or withdraws consent to recording. */
export async function setRecordingConsent(
	db: Database,
	actor: Actor,
	consultId: string,
	granted: boolean,
	options?: RecordingOptions
): Promise<ConsentResult> {
	const action: AuditAction = granted ? 'recording.consent' : 'recording.consent_withdraw';
	const { consult } = await admittedParticipant(db, actor, consultId, action);
	let stopped: Recording | null = null;
	await db.transaction(async (tx) => {
		// clock_timestamp, not now(): two decisions in quick succession must keep their order.
		await tx.insert(recordingConsents).values({ consultId, userId: actor.userId, decision: granted ? 'granted' : 'withdrawn', at: sql`clock_timestamp()` });
		await timelineEvent(tx, consultId, granted ? 'recording_consent_granted' : 'recording_consent_withdrawn', actor.userId);
		await recordAuditEvent(tx, actor, { action, outcome: 'success', patientId: consult.patientId, resourceType: 'consult', resourceId: consultId });
		// A withdrawal stops the recording in the same transaction: no byte after it is accepted.
		if (!granted) stopped = await stopActive(tx, consult, actor, 'consent_withdrawn');
	});
	if (stopped) await stopEgress(stopped, options);
	publishConsultChange({ consultId, kind: 'recording' });
	return { granted, stoppedRecordingId: (stopped as Recording | null)?.id ?? null };
}

// ---------------------------------------------------------------------------------------------
// Start and stop

export interface StartedRecording {
	recordingId: string;
	transport: 'p2p' | 'livekit';
	/** P2P: the host's browser records and uploads to this address (POST, `?seq=`). */
	uploadPath: string | null;
}

/** The host starts recording; refused unless the clinic offers it and everyone admitted consented. */
export async function startRecording(db: Database, actor: Actor, consultId: string, options: RecordingOptions): Promise<StartedRecording> {
	const { consult } = await hostParticipant(db, actor, consultId, 'recording.start');
	const settings = await getConsultSettings(db);
	const refuse = async (error: ConsultRefusal) => {
		await recordAuditEvent(db, actor, { action: 'recording.start', outcome: 'denied', patientId: consult.patientId, resourceType: 'consult', resourceId: consultId, reason: error.code });
		return error;
	};
	if (!settings.recordingEnabled) throw await refuse(new ConsultRefusal('recording_disabled', 'Recording is turned off at this clinic.'));
	if (await activeRecording(db, consultId)) throw await refuse(new ConsultRefusal('already_recording', 'This consult is already being recorded.'));
	if (!(await everyoneAdmittedConsented(db, consultId)))
		throw await refuse(new ConsultRefusal('consent_missing', 'Everyone in the call must agree to recording before it can start.'));

	const transport = consult.transport;
	let egressId: string | null = null;
	if (transport === 'livekit') {
		const livekit = options.config.livekit;
		if (!livekit) throw await refuse(new ConsultRefusal('invalid', 'This consult uses LiveKit, which is not configured on this server.'));
		try {
			egressId = await (options.egress ?? liveKitEgress).startConsultRecording(livekit, consult.roomName);
		} catch {
			await recordAuditEvent(db, actor, { action: 'recording.start', outcome: 'failure', patientId: consult.patientId, resourceType: 'consult', resourceId: consultId, reason: 'egress' });
			throw new ConsultRefusal('invalid', 'The media server could not start recording. Try again in a moment.');
		}
	}

	const recording = await db.transaction(async (tx) => {
		// Consent and the running recording are checked again under the consult's row lock, so a
		// withdrawal or a second start racing this one cannot slip in between check and insert.
		await tx.select({ id: consults.id }).from(consults).where(eq(consults.id, consultId)).for('update');
		if (await activeRecording(tx, consultId)) return 'already_recording' as const;
		if (!(await everyoneAdmittedConsented(tx, consultId))) return 'consent_missing' as const;
		const [row] = await tx
			.insert(recordings)
			.values({ consultId, patientId: consult.patientId, transport, egressId, startedBy: actor.userId, status: 'recording' })
			.returning();
		await timelineEvent(tx, consultId, 'recording_started', actor.userId, { recordingId: row!.id, transport });
		await recordAuditEvent(tx, actor, { action: 'recording.start', outcome: 'success', patientId: consult.patientId, resourceType: 'recording', resourceId: row!.id });
		return row!;
	});
	if (typeof recording === 'string') {
		if (egressId && options.config.livekit) await (options.egress ?? liveKitEgress).stopConsultRecording(options.config.livekit, egressId).catch(() => {});
		throw await refuse(
			recording === 'already_recording'
				? new ConsultRefusal('already_recording', 'This consult is already being recorded.')
				: new ConsultRefusal('consent_missing', 'Everyone in the call must agree to recording before it can start.')
		);
	}
	publishConsultChange({ consultId, kind: 'recording' });
	return {
		recordingId: recording.id,
		transport,
		uploadPath: transport === 'p2p' ? recordingUploadPath(consultId, recording.id) : null
	};
}

export const recordingUploadPath = (consultId: string, recordingId: string) => `/api/consults/${consultId}/recordings/${recordingId}/chunks`;

/** The host stops recording. Returns the stopped recording's id. */
export async function stopRecording(db: Database, actor: Actor, consultId: string, options?: RecordingOptions): Promise<{ recordingId: string }> {
	const { consult } = await hostParticipant(db, actor, consultId, 'recording.stop');
	const stopped = await db.transaction((tx) => stopActive(tx, consult, actor, 'host'));
	if (!stopped) {
		await recordAuditEvent(db, actor, { action: 'recording.stop', outcome: 'denied', patientId: consult.patientId, resourceType: 'consult', resourceId: consultId, reason: 'not_recording' });
		throw new ConsultRefusal('not_recording', 'This consult is not being recorded.');
	}
	await stopEgress(stopped, options);
	publishConsultChange({ consultId, kind: 'recording' });
	return { recordingId: stopped.id };
}

/**
 * Stops whatever recording is running without a person's request: the consult ended, or the
 * recorder failed. For A's endConsult and the upload route. No-op when nothing is recording.
 */
export async function stopRecordingFor(
	db: Database,
	consultId: string,
	reason: Exclude<StopReason, 'host' | 'consent_withdrawn'>,
	actor: Actor | null,
	options?: RecordingOptions
): Promise<string | null> {
	const [consult] = await db.select().from(consults).where(eq(consults.id, consultId));
	if (!consult) return null;
	const stopped = await db.transaction((tx) => stopActive(tx, consult, actor, reason));
	if (!stopped) return null;
	await stopEgress(stopped, options);
	publishConsultChange({ consultId, kind: 'recording' });
	return stopped.id;
}

// ---------------------------------------------------------------------------------------------
// State for the call

/** What the call shows about recording; `admittedUserIds` are the people in the call now. */
export async function recordingState(db: Database, consultId: string, admittedUserIds: readonly string[]): Promise<RecordingStateView> {
	const [settings, decisions, active] = await Promise.all([
		getConsultSettings(db),
		latestDecisions(db, consultId, admittedUserIds),
		activeRecording(db, consultId)
	]);
	const consents: Record<string, boolean> = {};
	for (const [userId, decision] of decisions) consents[userId] = decision === 'granted';
	return {
		enabled: settings.recordingEnabled,
		consents,
		everyoneConsented: admittedUserIds.length > 0 && admittedUserIds.every((id) => consents[id] === true),
		active: active ? { recordingId: active.id, startedAt: active.startedAt.toISOString() } : null
	};
}

// ---------------------------------------------------------------------------------------------
// Bytes

export interface ChunkOptions {
	cipher: DocumentCipher;
}

/**
 * Stores one piece of a P2P recording, sealed. Only the host who started the recording, still
 * admitted, while it runs. A piece uploaded again under the same number (a retry after a lost
 * answer) is accepted once and not stored twice.
 */
export async function appendRecordingChunk(
	db: Database,
	actor: Actor,
	recordingId: string,
	seq: number,
	bytes: Uint8Array,
	options: ChunkOptions & { consultId?: string }
): Promise<{ seq: number; stored: boolean }> {
	if (!Number.isInteger(seq) || seq < 0 || seq > maxChunkSeq) throw new ConsultRefusal('invalid', `The piece number must be a whole number from 0 to ${maxChunkSeq}.`);
	if (bytes.byteLength === 0) throw new ConsultRefusal('invalid', 'The recording piece is empty.');
	if (bytes.byteLength > maxChunkBytes) throw new ConsultRefusal('invalid', `A recording piece can be at most ${maxChunkBytes / (1024 * 1024)} MB.`);
	const [recording] = await db.select().from(recordings).where(eq(recordings.id, recordingId));
	// The same answer for "no such recording" and "a recording of another consult".
	if (!recording || (options.consultId !== undefined && recording.consultId !== options.consultId)) throw new NotFound('No recording with that id.');
	const deny = async (reason: string) =>
		recordAuditEvent(db, actor, { action: 'recording.upload', outcome: 'denied', patientId: recording.patientId, resourceType: 'recording', resourceId: recordingId, reason });
	if (recording.startedBy !== actor.userId) {
		await deny('not the recorder');
		throw new AccessDenied('Only the clinician who started this recording can upload to it.');
	}
	const [participant] = await db
		.select()
		.from(consultParticipants)
		.where(and(eq(consultParticipants.consultId, recording.consultId), eq(consultParticipants.userId, actor.userId)));
	if (!participant || participant.status !== 'admitted') {
		await deny('not_admitted');
		throw new ConsultRefusal('not_admitted', 'You are no longer in this consult.');
	}
	if (recording.transport !== 'p2p') {
		await deny('transport');
		throw new ConsultRefusal('invalid', 'The media server records this consult; the browser does not upload.');
	}
	const sealed = options.cipher.seal(bytes);
	const outcome = await db.transaction(async (tx) => {
		const [current] = await tx.select().from(recordings).where(eq(recordings.id, recordingId)).for('update');
		if (current!.status !== 'recording') return 'not_recording' as const;
		if (current!.byteSize + bytes.byteLength > maxRecordingBytes) return 'too_large' as const;
		const inserted = await tx
			.insert(recordingChunks)
			.values({ recordingId, seq, keyId: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext })
			.onConflictDoNothing()
			.returning({ seq: recordingChunks.seq });
		if (inserted.length === 0) return 'duplicate' as const;
		await tx
			.update(recordings)
			.set({ byteSize: sql`${recordings.byteSize} + ${bytes.byteLength}` })
			.where(eq(recordings.id, recordingId));
		await recordAuditEvent(tx, actor, { action: 'recording.upload', outcome: 'success', patientId: recording.patientId, resourceType: 'recording', resourceId: recordingId, reason: `piece ${seq}` });
		return 'stored' as const;
	});
	if (outcome === 'not_recording') {
		await deny('not_recording');
		throw new ConsultRefusal('not_recording', 'This recording has stopped; nothing more can be added to it.');
	}
	if (outcome === 'too_large') {
		await deny('too_large');
		throw new ConsultRefusal('invalid', 'This recording has reached its size limit. Stop it and start a new one.');
	}
	return { seq, stored: outcome === 'stored' };
}

export interface RecordingSummary {
	id: string;
	consultId: string;
	status: Recording['status'];
	transport: Recording['transport'];
	contentType: string;
	byteSize: number;
	startedAt: string;
	stoppedAt: string | null;
	stopReason: string | null;
	startedByName: string | null;
	/** Whether the bytes are here to play (P2P recordings; LiveKit's stay with its egress storage). */
	playable: boolean;
}

export interface RecordingPlayback {
	recording: RecordingSummary;
	/** The decrypted pieces in order, read a few at a time. */
	chunks(): AsyncGenerator<Uint8Array>;
}

const chunksPerRead = 8;

/** Authorized playback: staff with clinical access to the patient. Audited as recording.play. */
export async function readRecording(
	db: Database,
	actor: Actor,
	patientId: string,
	recordingId: string,
	options: ChunkOptions
): Promise<RecordingPlayback> {
	if (!isStaff(actor)) {
		await recordAuditEvent(db, actor, { action: 'recording.play', outcome: 'denied', patientId, resourceType: 'recording', resourceId: recordingId, reason: 'role' });
		throw new AccessDenied('Recordings are played back by the clinic’s staff.');
	}
	const access = await authorizePatient(db, actor, patientId, { action: 'recording.play', require: ['clinical'], resourceType: 'recording', resourceId: recordingId });
	const [recording] = await db
		.select()
		.from(recordings)
		.where(and(eq(recordings.id, recordingId), eq(recordings.patientId, access.patientId)));
	if (!recording) throw new NotFound('No recording with that id for this patient.');
	const summary = (await summarizeRecordings(db, [recording]))[0]!;
	return {
		recording: summary,
		async *chunks() {
			let after = -1;
			for (;;) {
				const rows = await db
					.select()
					.from(recordingChunks)
					.where(and(eq(recordingChunks.recordingId, recordingId), gt(recordingChunks.seq, after)))
					.orderBy(asc(recordingChunks.seq))
					.limit(chunksPerRead);
				for (const row of rows) yield options.cipher.open({ keyId: row.keyId, nonce: row.nonce, ciphertext: row.ciphertext });
				if (rows.length < chunksPerRead) return;
				after = rows.at(-1)!.seq;
			}
		}
	};
}

/** Recordings of consults (for the visit history), newest last. Callers authorize first. */
export async function listRecordingsForConsults(db: Database, consultIds: readonly string[]): Promise<RecordingSummary[]> {
	if (consultIds.length === 0) return [];
	const rows = await db.select().from(recordings).where(inArray(recordings.consultId, [...consultIds])).orderBy(asc(recordings.startedAt));
	return summarizeRecordings(db, rows);
}

async function summarizeRecordings(db: Database, rows: Recording[]): Promise<RecordingSummary[]> {
	const starters = [...new Set(rows.map((r) => r.startedBy).filter((id): id is string => id !== null))];
	const names = new Map<string, string>();
	if (starters.length > 0) {
		for (const user of await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, starters))) names.set(user.id, user.name);
	}
	return rows.map((r) => ({
		id: r.id,
		consultId: r.consultId,
		status: r.status,
		transport: r.transport,
		contentType: r.contentType,
		byteSize: r.byteSize,
		startedAt: r.startedAt.toISOString(),
		stoppedAt: r.stoppedAt?.toISOString() ?? null,
		stopReason: r.stopReason,
		startedByName: r.startedBy ? (names.get(r.startedBy) ?? null) : null,
		playable: r.transport === 'p2p' && r.byteSize > 0
	}));
}

// ---------------------------------------------------------------------------------------------
// Internals

async function loadConsult(db: Database, consultId: string): Promise<Consult> {
	const [consult] = await db.select().from(consults).where(eq(consults.id, consultId));
	if (!consult) throw new NotFound('No consult with that id.');
	return consult;
}

/** The actor's admitted participation in a live consult; refusals audited under `action`. */
async function admittedParticipant(db: Database, actor: Actor, consultId: string, action: AuditAction): Promise<{ consult: Consult; participant: ConsultParticipant }> {
	const consult = await loadConsult(db, consultId);
	const [participant] = await db
		.select()
		.from(consultParticipants)
		.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.userId, actor.userId)));
	const deny = (reason: string) => recordAuditEvent(db, actor, { action, outcome: 'denied', patientId: consult.patientId, resourceType: 'consult', resourceId: consultId, reason });
	if (!participant) {
		// Someone who was never in this consult learns nothing about it.
		await deny('not a participant');
		throw new NotFound('No consult with that id.');
	}
	if (consult.status === 'ended') {
		await deny('ended');
		throw new ConsultRefusal('ended', 'This consult has ended.');
	}
	if (participant.status !== 'admitted') {
		await deny('not_admitted');
		throw new ConsultRefusal('not_admitted', 'You are not in the call yet.');
	}
	return { consult, participant };
}

async function hostParticipant(db: Database, actor: Actor, consultId: string, action: AuditAction): Promise<{ consult: Consult; participant: ConsultParticipant }> {
	const found = await admittedParticipant(db, actor, consultId, action);
	const isHost = found.participant.role === 'host' || found.consult.hostUserId === actor.userId;
	try {
		requirePermission(actor, 'consult.host');
	} catch (error) {
		await recordAuditEvent(db, actor, { action, outcome: 'denied', patientId: found.consult.patientId, resourceType: 'consult', resourceId: consultId, reason: 'role' });
		throw error;
	}
	if (!isHost) {
		await recordAuditEvent(db, actor, { action, outcome: 'denied', patientId: found.consult.patientId, resourceType: 'consult', resourceId: consultId, reason: 'not_host' });
		throw new ConsultRefusal('not_host', 'Only the clinician hosting the call can start or stop recording.');
	}
	return found;
}

async function activeRecording(db: Database, consultId: string): Promise<Recording | null> {
	const [row] = await db
		.select()
		.from(recordings)
		.where(and(eq(recordings.consultId, consultId), eq(recordings.status, 'recording')))
		.orderBy(desc(recordings.startedAt))
		.limit(1);
	return row ?? null;
}

/** userId → latest decision, for the given users. */
async function latestDecisions(db: Database, consultId: string, userIds: readonly string[]): Promise<Map<string, 'granted' | 'withdrawn'>> {
	const result = new Map<string, 'granted' | 'withdrawn'>();
	if (userIds.length === 0) return result;
	const rows = await db
		.select({ userId: recordingConsents.userId, decision: recordingConsents.decision })
		.from(recordingConsents)
		.where(and(eq(recordingConsents.consultId, consultId), inArray(recordingConsents.userId, [...userIds])))
		// Appended rows: the last one per user wins.
		.orderBy(asc(recordingConsents.at));
	for (const row of rows) result.set(row.userId, row.decision);
	return result;
}

async function everyoneAdmittedConsented(db: Database, consultId: string): Promise<boolean> {
	const admitted = await db
		.select({ userId: consultParticipants.userId })
		.from(consultParticipants)
		.where(and(eq(consultParticipants.consultId, consultId), eq(consultParticipants.status, 'admitted')));
	if (admitted.length === 0) return false;
	const decisions = await latestDecisions(
		db,
		consultId,
		admitted.map((a) => a.userId)
	);
	return admitted.every((a) => decisions.get(a.userId) === 'granted');
}

async function stopActive(db: Database, consult: Consult, actor: Actor | null, reason: StopReason): Promise<Recording | null> {
	const [stopped] = await db
		.update(recordings)
		.set({ status: 'stopped', stopReason: reason, stoppedAt: sql`now()` })
		.where(and(eq(recordings.consultId, consult.id), eq(recordings.status, 'recording')))
		.returning();
	if (!stopped) return null;
	await timelineEvent(db, consult.id, 'recording_stopped', actor?.userId ?? null, { recordingId: stopped.id, reason });
	await recordAuditEvent(db, actor, { action: 'recording.stop', outcome: 'success', patientId: consult.patientId, resourceType: 'recording', resourceId: stopped.id, reason });
	return stopped;
}

async function stopEgress(recording: Recording, options: RecordingOptions | undefined): Promise<void> {
	if (!recording.egressId || !options?.config.livekit) return;
	// The row already says stopped: a media server that cannot be reached must not keep the
	// consent withdrawal from taking effect in the record. LiveKit ends egress with the room anyway.
	await (options.egress ?? liveKitEgress).stopConsultRecording(options.config.livekit, recording.egressId).catch(() => {});
}

async function timelineEvent(db: Database, consultId: string, kind: ConsultEventKind, userId: string | null, detail: Record<string, string | number | boolean | null> = {}): Promise<void> {
	await db.insert(consultEvents).values({ consultId, kind, userId, source: 'app', detail });
}

const liveKitEgress: EgressPort = { startConsultRecording, stopConsultRecording };
