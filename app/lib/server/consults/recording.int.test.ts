import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, consultEvents, recordingChunks, recordings } from '../../../../db/schema/index';
import { AccessDenied, NotFound } from '../access/errors';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { createDocumentCipher } from '../documents/cipher';
import { onConsultChange, type ConsultChange } from './consult-changes';
import { ConsultRefusal } from './errors';
import { appendRecordingChunk, readRecording, recordingState, setRecordingConsent, startRecording, stopRecording, type EgressPort } from './recording';
import { updateConsultSettings } from './settings';
import { createConsultFixture } from './visit-testing';

const cipher = createDocumentCipher(randomBytes(32));
const p2p = { config: { livekit: undefined } };

async function refusal(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	if (error instanceof ConsultRefusal) return error.code;
	if (error instanceof AccessDenied) return 'access_denied';
	if (error instanceof NotFound) return 'not_found';
	throw new Error(`expected a refusal, got ${String(error)}`);
}

async function playAll(playback: Awaited<ReturnType<typeof readRecording>>): Promise<Buffer> {
	const parts: Uint8Array[] = [];
	for await (const chunk of playback.chunks()) parts.push(chunk);
	return Buffer.concat(parts);
}

describe.each(testDatabaseKinds)('consult recording on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
	});
	afterAll(async () => database?.drop());

	const consultWithPatient = (transport: 'p2p' | 'livekit' = 'p2p') =>
		createConsultFixture(database.db, {
			patientId: clinic.patientId,
			host: clinic.actors.teamPhysician,
			transport,
			people: [
				{ actor: clinic.actors.patient, role: 'patient' },
				{ actor: clinic.actors.outsideNurse, role: 'clinician' },
				{ actor: clinic.actors.appointmentsProxy, role: 'proxy', status: 'waiting' }
			]
		});

	it('starts only with the consent of everyone admitted; a waiting person cannot consent', async () => {
		const { db } = database;
		const { teamPhysician, patient, outsideNurse, appointmentsProxy } = clinic.actors;
		const { consultId } = await consultWithPatient();
		const changes: ConsultChange[] = [];
		const off = onConsultChange((c) => c.consultId === consultId && changes.push(c));

		expect(await refusal(setRecordingConsent(db, appointmentsProxy, consultId, true))).toBe('not_admitted');
		expect(await refusal(startRecording(db, teamPhysician, consultId, p2p))).toBe('consent_missing');
		await setRecordingConsent(db, teamPhysician, consultId, true);
		await setRecordingConsent(db, patient, consultId, true);
		expect(await refusal(startRecording(db, teamPhysician, consultId, p2p))).toBe('consent_missing');
		let state = await recordingState(db, consultId, [teamPhysician.userId, patient.userId, outsideNurse.userId]);
		expect(state).toMatchObject({ enabled: true, everyoneConsented: false, active: null });
		expect(state.consents).toEqual({ [teamPhysician.userId]: true, [patient.userId]: true });

		await setRecordingConsent(db, outsideNurse, consultId, true);
		// Admitted, consenting, but not the host.
		expect(await refusal(startRecording(db, outsideNurse, consultId, p2p))).toBe('not_host');
		expect(await refusal(startRecording(db, patient, consultId, p2p))).toBe('access_denied');
		const started = await startRecording(db, teamPhysician, consultId, p2p);
		expect(started.transport).toBe('p2p');
		expect(started.uploadPath).toBe(`/api/consults/${consultId}/recordings/${started.recordingId}/chunks`);
		expect(await refusal(startRecording(db, teamPhysician, consultId, p2p))).toBe('already_recording');
		state = await recordingState(db, consultId, [teamPhysician.userId, patient.userId, outsideNurse.userId]);
		expect(state.everyoneConsented).toBe(true);
		expect(state.active?.recordingId).toBe(started.recordingId);

		await stopRecording(db, teamPhysician, consultId, p2p);
		expect(await refusal(stopRecording(db, teamPhysician, consultId, p2p))).toBe('not_recording');
		off();
		expect(changes.filter((c) => c.kind === 'recording').length).toBeGreaterThanOrEqual(5);

		const audits = await db.select().from(auditEvents).where(eq(auditEvents.resourceId, consultId));
		expect(audits.filter((a) => a.action === 'recording.consent' && a.outcome === 'success')).toHaveLength(3);
		expect(audits.some((a) => a.action === 'recording.start' && a.outcome === 'denied' && a.reason === 'consent_missing')).toBe(true);
		const timeline = await db.select().from(consultEvents).where(eq(consultEvents.consultId, consultId));
		expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['recording_consent_granted', 'recording_started', 'recording_stopped']));
	});

	it('stores pieces sealed, plays them back in order to the care team only', async () => {
		const { db } = database;
		const { teamPhysician, patient, outsideNurse, frontDesk, outsidePhysician } = clinic.actors;
		const { consultId } = await consultWithPatient();
		for (const actor of [teamPhysician, patient, outsideNurse]) await setRecordingConsent(db, actor, consultId, true);
		const { recordingId } = await startRecording(db, teamPhysician, consultId, p2p);

		const pieces = [Buffer.from('webm-header:EBML and a cluster of frames'), Buffer.from('second piece of the call'), Buffer.from('third piece')];
		// Out of order: pieces are stored by number, played by number.
		await appendRecordingChunk(db, teamPhysician, recordingId, 1, pieces[1]!, { cipher, consultId });
		await appendRecordingChunk(db, teamPhysician, recordingId, 0, pieces[0]!, { cipher, consultId });
		// A retried upload is accepted and not stored twice.
		expect(await appendRecordingChunk(db, teamPhysician, recordingId, 1, pieces[1]!, { cipher, consultId })).toEqual({ seq: 1, stored: false });
		await appendRecordingChunk(db, teamPhysician, recordingId, 2, pieces[2]!, { cipher, consultId });

		expect(await refusal(appendRecordingChunk(db, outsideNurse, recordingId, 3, Buffer.from('x'), { cipher, consultId }))).toBe('access_denied');
		expect(await refusal(appendRecordingChunk(db, teamPhysician, recordingId, -1, Buffer.from('x'), { cipher, consultId }))).toBe('invalid');
		expect(await refusal(appendRecordingChunk(db, teamPhysician, recordingId, 3, new Uint8Array(0), { cipher, consultId }))).toBe('invalid');
		expect(await refusal(appendRecordingChunk(db, teamPhysician, recordingId, 3, Buffer.from('x'), { cipher, consultId: crypto.randomUUID() }))).toBe('not_found');

		const stored = await db.select().from(recordingChunks).where(eq(recordingChunks.recordingId, recordingId));
		expect(stored).toHaveLength(3);
		for (const row of stored) {
			const plain = pieces[row.seq]!;
			expect(Buffer.from(row.ciphertext).includes(plain)).toBe(false);
			expect(Buffer.from(cipher.open({ keyId: row.keyId, nonce: row.nonce, ciphertext: row.ciphertext }))).toEqual(plain);
		}
		const [row] = await db.select().from(recordings).where(eq(recordings.id, recordingId));
		expect(row!.byteSize).toBe(pieces.reduce((n, p) => n + p.length, 0));

		const playback = await readRecording(db, teamPhysician, clinic.patientId, recordingId, { cipher });
		expect(playback.recording).toMatchObject({ id: recordingId, status: 'recording', playable: true, startedByName: 'Dr. Ana Ruiz' });
		expect(await playAll(playback)).toEqual(Buffer.concat(pieces));

		// Not staff, not on the care team, front desk (no clinical part), or the wrong patient's address.
		expect(await refusal(readRecording(db, patient, clinic.patientId, recordingId, { cipher }))).toBe('access_denied');
		expect(await refusal(readRecording(db, frontDesk, clinic.patientId, recordingId, { cipher }))).toBe('access_denied');
		expect(await refusal(readRecording(db, outsidePhysician, clinic.patientId, recordingId, { cipher }))).toBe('access_denied');
		expect(await refusal(readRecording(db, clinic.actors.admin, clinic.otherPatientId, recordingId, { cipher }))).toBe('not_found');
		const plays = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'recording.play'), eq(auditEvents.resourceId, recordingId)));
		expect(plays.filter((a) => a.outcome === 'success').length).toBeGreaterThanOrEqual(1);
		expect(plays.filter((a) => a.outcome === 'denied').length).toBe(3);
	});

	it('a withdrawal stops the recording at once and no piece is accepted after it', async () => {
		const { db } = database;
		const { teamPhysician, patient, outsideNurse } = clinic.actors;
		const { consultId } = await consultWithPatient();
		for (const actor of [teamPhysician, patient, outsideNurse]) await setRecordingConsent(db, actor, consultId, true);
		const { recordingId } = await startRecording(db, teamPhysician, consultId, p2p);
		await appendRecordingChunk(db, teamPhysician, recordingId, 0, Buffer.from('before'), { cipher, consultId });

		const result = await setRecordingConsent(db, patient, consultId, false);
		expect(result).toEqual({ granted: false, stoppedRecordingId: recordingId });
		const [row] = await db.select().from(recordings).where(eq(recordings.id, recordingId));
		expect(row).toMatchObject({ status: 'stopped', stopReason: 'consent_withdrawn' });
		expect(row!.stoppedAt).not.toBeNull();
		expect(await refusal(appendRecordingChunk(db, teamPhysician, recordingId, 1, Buffer.from('after'), { cipher, consultId }))).toBe('not_recording');
		const state = await recordingState(db, consultId, [teamPhysician.userId, patient.userId, outsideNurse.userId]);
		expect(state).toMatchObject({ everyoneConsented: false, active: null });
		expect(state.consents[patient.userId]).toBe(false);
		expect(await refusal(startRecording(db, teamPhysician, consultId, p2p))).toBe('consent_missing');
		// Granting again allows a new recording.
		await setRecordingConsent(db, patient, consultId, true);
		expect((await startRecording(db, teamPhysician, consultId, p2p)).recordingId).not.toBe(recordingId);
	});

	it('LiveKit consults record through egress and stop it on withdrawal; the clinic can turn recording off', async () => {
		const { db } = database;
		const { teamPhysician, patient, outsideNurse, admin } = clinic.actors;
		const { consultId, roomName } = await consultWithPatient('livekit');
		const calls: string[] = [];
		const egress: EgressPort = {
			startConsultRecording: async (_config, room) => (calls.push(`start ${room}`), 'EG_test'),
			stopConsultRecording: async (_config, egressId) => void calls.push(`stop ${egressId}`)
		};
		const livekit = { config: { livekit: { url: 'wss://livekit.invalid', apiKey: 'key', apiSecret: 'secret' } }, egress };
		for (const actor of [teamPhysician, patient, outsideNurse]) await setRecordingConsent(db, actor, consultId, true, livekit);
		const started = await startRecording(db, teamPhysician, consultId, livekit);
		expect(started).toMatchObject({ transport: 'livekit', uploadPath: null });
		expect(await refusal(appendRecordingChunk(db, teamPhysician, started.recordingId, 0, Buffer.from('x'), { cipher, consultId }))).toBe('invalid');
		await setRecordingConsent(db, outsideNurse, consultId, false, livekit);
		expect(calls).toEqual([`start ${roomName}`, 'stop EG_test']);
		const [row] = await db.select().from(recordings).where(eq(recordings.id, started.recordingId));
		expect(row).toMatchObject({ egressId: 'EG_test', status: 'stopped', stopReason: 'consent_withdrawn' });

		await updateConsultSettings(db, admin, { recordingEnabled: false });
		await setRecordingConsent(db, outsideNurse, consultId, true, livekit);
		expect(await refusal(startRecording(db, teamPhysician, consultId, livekit))).toBe('recording_disabled');
		expect((await recordingState(db, consultId, [teamPhysician.userId])).enabled).toBe(false);
		await updateConsultSettings(db, admin, { recordingEnabled: true });
	});
});
