import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../db/testing';
import { careTeamMembers, careTeams } from '../db/schema/index';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import type { ConsultState } from '../app/lib/realtime/consult-events';
import type { Actor } from '../app/lib/server/access/actor';
import { emitAccessEvent } from '../app/lib/server/access/access-events';
import { createSession, generateSessionToken, sessionCookieName } from '../app/lib/server/auth/session';
import { openConsultForAppointment, startUnscheduledConsult, type Consult } from '../app/lib/server/consults/consults';
import { updateConsultSettings } from '../app/lib/server/consults/settings';
import { readConfig } from '../app/lib/server/platform/config';
import { createLogger } from '../app/lib/server/platform/logger';
import { bookAppointment } from '../app/lib/server/scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../app/lib/server/scheduling/testing';
import { attachRealtime, type RealtimeServer } from './realtime';

/**
 * Video consults over real socket.io (server/consult-handlers.ts, through attachRealtime on a bare
 * HTTP server: no pages needed). A patient cannot reach the call — media access, signaling, keys,
 * chat — before a clinician admits them, nor any room of another patient; capacity, decline,
 * positions that move, host-only actions, malformed payloads answered in a sentence.
 */

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Loose = { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
const sessionTtlMs = 60 * 60_000;
const publicKey = 'a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmc=';

/** The next event of a kind that passes `accept` (waits for the event, never for time). */
function next<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E, accept: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true) {
	return new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
		const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
			if (!accept(payload)) return;
			socket.off(event, listener as never);
			resolve(payload);
		};
		socket.on(event, listener as never);
	});
}

/** Everything of one kind a socket receives, to show later that something never came. */
function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
	const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
	socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => seen.push(payload)) as never);
	return seen;
}

describe.each(testDatabaseKinds)('video consults over socket.io (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: SchedulingTestClinic;
	let http: HttpServer;
	let io: RealtimeServer;
	let url: string;
	/** Each booking an hour later on one weekday (Dr. Ruiz works 09:00–17:00). */
	let hour = 0;
	const sockets: ClientSocket[] = [];
	const p2p = { config: { livekit: undefined } };

	const connect = async (actor: Actor): Promise<ClientSocket> => {
		const token = generateSessionToken();
		await createSession(database.db, token, actor.userId, sessionTtlMs);
		const socket: ClientSocket = connectSocket(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: `${sessionCookieName}=${token}` } });
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		return socket;
	};

	const newConsult = async (): Promise<Consult> => {
		const appointment = await bookAppointment(database.db, clinic.actors.frontDesk, {
			patientId: clinic.patientId,
			appointmentTypeId: clinic.types.telehealth.id,
			practitionerId: clinic.practitioners.ruiz,
			locationId: clinic.locations.main,
			startsAt: clinicWeekdayAt(2, `${9 + hour++}:00`.padStart(5, '0'))
		});
		return openConsultForAppointment(database.db, clinic.actors.patient, appointment.id, p2p);
	};

	const enter = async (socket: ClientSocket, consultId: string): Promise<ConsultState> => {
		const reply = await socket.emitWithAck('consult:enter', { consultId, publicKey });
		if (!reply.ok) throw new Error(reply.error);
		return reply.state;
	};

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createSchedulingTestClinic(database.db);
		http = createServer();
		io = attachRealtime(http, {
			db: database.db,
			logger: createLogger('silent'),
			config: readConfig({ LOG_LEVEL: 'silent', ICE_SERVERS: JSON.stringify([{ urls: 'stun:stun.example.org:3478' }]) }),
			sessionTtlMs
		});
		await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
	}, 120_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await new Promise<void>((resolve) => (io ? io.close(() => resolve()) : resolve()));
		await database?.drop();
	});

	it('keeps a waiting patient out of the call — no media access, signal, key or chat — until admitted; then relays between the two only', async () => {
		const consult = await newConsult();
		const patient = await connect(clinic.actors.patient);
		const waiting = await enter(patient, consult.id);
		expect(waiting.you).toMatchObject({ status: 'waiting', position: 1, waitingCount: 1 });
		expect(waiting.inCall).toEqual([]);

		const host = await connect(clinic.actors.teamPhysician);
		const hostState = await enter(host, consult.id);
		expect(hostState.you.role).toBe('host');
		expect(hostState.waiting).toMatchObject([{ participantId: waiting.you.participantId, displayName: 'Maria Lopez', online: true, position: 1 }]);
		const hostId = hostState.you.participantId;
		const hostHeard = { signal: record(host, 'consult:signal'), key: record(host, 'consult:key'), chat: record(host, 'consult:chat') };

		const notAdmitted = { ok: false, error: expect.stringMatching(/not in the call yet/) };
		expect(await patient.emitWithAck('consult:media', { consultId: consult.id })).toEqual(notAdmitted);
		expect(await patient.emitWithAck('consult:signal', { consultId: consult.id, to: hostId, signal: { type: 'offer', sdp: 'v=0' } })).toEqual(notAdmitted);
		expect(await patient.emitWithAck('consult:key', { consultId: consult.id, to: hostId, sealed: 'c2VhbGVk' })).toEqual(notAdmitted);
		expect(await patient.emitWithAck('consult:chat', { consultId: consult.id, nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy' })).toEqual(notAdmitted);
		// The host cannot reach a waiting patient through the relays either.
		expect(await host.emitWithAck('consult:signal', { consultId: consult.id, to: waiting.you.participantId, signal: { type: 'restart' } })).toEqual({ ok: false, error: 'That person is not in the call.' });
		// The patient side cannot admit themself.
		expect(await patient.emitWithAck('consult:admit', { consultId: consult.id, participantId: waiting.you.participantId })).toEqual({ ok: false, error: 'Only the clinician can do this.' });

		const admitted = next(patient, 'consult:state', (s) => s.you.status === 'admitted');
		expect(await host.emitWithAck('consult:admit', { consultId: consult.id, participantId: waiting.you.participantId })).toEqual({ ok: true });
		const inCall = await admitted;
		expect(inCall.inCall.map((p) => [p.role, p.online, p.publicKey])).toEqual(expect.arrayContaining([['host', true, publicKey], ['patient', true, publicKey]]));
		expect(inCall.waiting).toEqual([]);

		expect(await patient.emitWithAck('consult:media', { consultId: consult.id })).toEqual({ ok: true, media: { transport: 'p2p', iceServers: [{ urls: 'stun:stun.example.org:3478' }] } });
		const signalArrives = next(host, 'consult:signal');
		expect(await patient.emitWithAck('consult:signal', { consultId: consult.id, to: hostId, signal: { type: 'offer', sdp: 'v=0' } })).toEqual({ ok: true });
		expect(await signalArrives).toEqual({ consultId: consult.id, from: waiting.you.participantId, signal: { type: 'offer', sdp: 'v=0' } });
		const keyArrives = next(patient, 'consult:key');
		expect(await host.emitWithAck('consult:key', { consultId: consult.id, to: waiting.you.participantId, sealed: 'c2VhbGVk' })).toEqual({ ok: true });
		expect(await keyArrives).toEqual({ consultId: consult.id, from: hostId, sealed: 'c2VhbGVk' });
		const chatArrives = next(host, 'consult:chat');
		expect(await patient.emitWithAck('consult:chat', { consultId: consult.id, nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy' })).toEqual({ ok: true });
		expect(await chatArrives).toMatchObject({ consultId: consult.id, from: waiting.you.participantId, fromName: 'Maria Lopez', nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy' });
		// Only what was sent after the admission reached the host.
		expect(hostHeard.signal).toHaveLength(1);
		expect(hostHeard.key).toHaveLength(0);
		expect(hostHeard.chat).toHaveLength(1);

		// A disconnect shows the patient offline to the host.
		const offline = next(host, 'consult:state', (s) => s.inCall.some((p) => p.role === 'patient' && !p.online));
		patient.disconnect();
		await offline;
	});

	it("refuses a room of another patient as if it did not exist, and never tells one patient's waiting room of another", async () => {
		const [team] = await database.db.insert(careTeams).values({ patientId: clinic.otherPatientId, name: 'Primary care' }).returning();
		await database.db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: clinic.practitioners.ruiz });
		const tomsConsult = await startUnscheduledConsult(database.db, clinic.actors.teamPhysician, clinic.otherPatientId, p2p);
		const patient = await connect(clinic.actors.patient);
		const refused = { ok: false, error: 'There is no such consult, or it is not one you can join.' };
		expect(await patient.emitWithAck('consult:enter', { consultId: tomsConsult.id, publicKey })).toEqual(refused);
		expect(await patient.emitWithAck('consult:media', { consultId: tomsConsult.id })).toEqual(refused);
		expect(await patient.emitWithAck('consult:leave', { consultId: tomsConsult.id })).toEqual(refused);
		const records = await connect(clinic.actors.recordsProxy);
		expect(await records.emitWithAck('consult:enter', { consultId: (await newConsult()).id, publicKey })).toEqual(refused);
		// Relays into another consult's rooms are refused: the socket never entered it.
		const host = await connect(clinic.actors.teamPhysician);
		const hostState = await enter(host, tomsConsult.id);
		expect(await patient.emitWithAck('consult:signal', { consultId: tomsConsult.id, to: hostState.you.participantId, signal: { type: 'restart' } })).toMatchObject({ ok: false });
		expect(await patient.emitWithAck('consult:chat', { consultId: tomsConsult.id, nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy' })).toMatchObject({ ok: false });
	});

	it('moves the queue as people leave, delivers the clinician’s message to one waiting person only, declines with the clinician’s words and refuses past the call’s capacity', async () => {
		const consult = await newConsult();
		await updateConsultSettings(database.db, clinic.actors.admin, { callCapacity: 2 });
		try {
			const patient = await connect(clinic.actors.patient);
			const proxy = await connect(clinic.actors.appointmentsProxy);
			const first = await enter(patient, consult.id);
			const second = await enter(proxy, consult.id);
			expect(second.you).toMatchObject({ position: 2, waitingCount: 2 });
			const host = await connect(clinic.actors.teamPhysician);
			await enter(host, consult.id);

			const patientMessages = record(patient, 'consult:waiting-message');
			const message = next(proxy, 'consult:waiting-message');
			expect(await host.emitWithAck('consult:message-waiting', { consultId: consult.id, participantId: second.you.participantId, text: 'Running 5 minutes late' })).toEqual({ ok: true });
			expect(await message).toMatchObject({ consultId: consult.id, from: 'Dr. Ana Ruiz', text: 'Running 5 minutes late' });
			expect(patientMessages).toEqual([]);

			const movedUp = next(proxy, 'consult:state', (s) => s.you.position === 1);
			expect(await patient.emitWithAck('consult:leave', { consultId: consult.id })).toEqual({ ok: true });
			expect((await movedUp).you).toMatchObject({ status: 'waiting', position: 1, waitingCount: 1 });

			// Back in, at the back; the proxy is admitted; the call (2) is then full for the patient.
			const back = await enter(patient, consult.id);
			expect(back.you).toMatchObject({ position: 2, waitingCount: 2 });
			expect(await host.emitWithAck('consult:admit', { consultId: consult.id, participantId: second.you.participantId })).toEqual({ ok: true });
			expect(await host.emitWithAck('consult:admit', { consultId: consult.id, participantId: first.you.participantId })).toEqual({
				ok: false,
				error: 'The call is full (2 people). Someone must leave before you admit another person.'
			});

			const closed = next(patient, 'consult:closed');
			expect(await host.emitWithAck('consult:decline', { consultId: consult.id, participantId: first.you.participantId, message: 'Please book a new visit.' })).toEqual({ ok: true });
			expect(await closed).toEqual({ consultId: consult.id, reason: 'Please book a new visit.' });
		} finally {
			await updateConsultSettings(database.db, clinic.actors.admin, { callCapacity: 4 });
		}
	});

	it('answers malformed payloads with a sentence and changes nothing; only the host ends the consult, which closes it for everyone', async () => {
		const consult = await newConsult();
		const patient = await connect(clinic.actors.patient);
		const host = await connect(clinic.actors.teamPhysician);
		const loose = patient as unknown as Loose;
		const bad: [string, unknown][] = [
			['consult:enter', { consultId: consult.id }],
			['consult:enter', { consultId: 'nope', publicKey }],
			['consult:enter', { consultId: consult.id, publicKey: 'not base64!' }],
			['consult:enter', { consultId: consult.id, publicKey, extra: 1 }],
			['consult:enter', null],
			['consult:signal', { consultId: consult.id, to: consult.id, signal: { type: 'offer', sdp: 'x'.repeat(70_000) } }],
			['consult:signal', { consultId: consult.id, to: consult.id, signal: { type: 'bye' } }],
			['consult:key', { consultId: consult.id, to: consult.id, sealed: 'a'.repeat(2000) }],
			['consult:chat', { consultId: consult.id, nonce: 'bm9uY2U=', ciphertext: 'a'.repeat(20_000) }],
			['consult:view', { consultId: consult.id, documentId: null, page: 0 }],
			['consult:recording', { consultId: consult.id, action: 'pause' }],
			['consult:recording-consent', { consultId: consult.id, granted: 'yes' }],
			['consult:decline', { consultId: consult.id, participantId: consult.id, message: '' }],
			['consult:end', 'everything']
		];
		for (const [event, payload] of bad) {
			const reply = (await loose.emitWithAck(event, payload)) as { ok: boolean; error: string };
			expect(reply.ok, event).toBe(false);
			expect(reply.error, event).toMatch(/^[A-Z].*\.$/);
		}
		const state = await enter(patient, consult.id);
		expect(state.you.status).toBe('waiting');
		await enter(host, consult.id);

		// Host-only: the patient side cannot end, message the queue or choose the view.
		expect(await patient.emitWithAck('consult:end', { consultId: consult.id })).toEqual({ ok: false, error: 'Only the clinician running the consult can do this.' });
		expect(await patient.emitWithAck('consult:message-waiting', { consultId: consult.id, participantId: state.you.participantId, text: 'hi' })).toMatchObject({ ok: false });
		expect(await patient.emitWithAck('consult:view', { consultId: consult.id, documentId: null, page: 1 })).toMatchObject({ ok: false });

		const patientClosed = next(patient, 'consult:closed');
		const hostClosed = next(host, 'consult:closed');
		expect(await host.emitWithAck('consult:end', { consultId: consult.id })).toEqual({ ok: true });
		expect(await patientClosed).toEqual({ consultId: consult.id, reason: 'The consult has ended.' });
		expect(await hostClosed).toEqual({ consultId: consult.id, reason: 'The consult has ended.' });
		expect(await patient.emitWithAck('consult:enter', { consultId: consult.id, publicKey })).toEqual({ ok: false, error: 'This consult has ended.' });
	});

	it('closes the consult for a clinician whose emergency access ends', async () => {
		const consult = await newConsult();
		const host = await connect(clinic.actors.teamPhysician);
		await enter(host, consult.id);
		const closed = next(host, 'consult:closed');
		emitAccessEvent({ kind: 'access-revoked', userId: clinic.actors.teamPhysician.userId, patientId: clinic.patientId, cause: 'test' });
		expect(await closed).toEqual({ consultId: consult.id, reason: 'Your access to this patient’s record has ended.' });
		expect(await host.emitWithAck('consult:chat', { consultId: consult.id, nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy' })).toMatchObject({ ok: false });
	});
});
