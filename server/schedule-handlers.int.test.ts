import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../db/testing';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import type { ScheduleChange } from '../app/lib/realtime/schedule-events';
import type { Actor } from '../app/lib/server/access/actor';
import { createSession, generateSessionToken, sessionCookieName } from '../app/lib/server/auth/session';
import { readConfig } from '../app/lib/server/platform/config';
import { createLogger } from '../app/lib/server/platform/logger';
import { bookAppointment, cancelAppointment } from '../app/lib/server/scheduling/booking';
import { clinicDate, clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../app/lib/server/scheduling/testing';
import { attachRealtime, type RealtimeServer } from './realtime';

/**
 * Live staff calendars over real socket.io (server/schedule-handlers.ts): who may follow a
 * calendar, and that a booking committed through the domain reaches those who follow it as a
 * content-free 'schedule:changed' — and nobody else. The sockets are the real server's
 * (attachRealtime on a bare HTTP server: no pages are needed here), the sessions real rows.
 */

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Loose = { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
const sessionTtlMs = 60 * 60_000;

/** Everything of one kind a socket receives, to show later that something never came. */
function record(socket: ClientSocket): ScheduleChange[] {
	const seen: ScheduleChange[] = [];
	socket.on('schedule:changed', (change) => seen.push(change));
	return seen;
}

function next(socket: ClientSocket, accept: (change: ScheduleChange) => boolean): Promise<ScheduleChange> {
	return new Promise((resolve) => {
		const listener = (change: ScheduleChange) => {
			if (!accept(change)) return;
			socket.off('schedule:changed', listener);
			resolve(change);
		};
		socket.on('schedule:changed', listener);
	});
}

describe.each(testDatabaseKinds)('live calendars over socket.io (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: SchedulingTestClinic;
	let http: HttpServer;
	let io: RealtimeServer;
	let url: string;
	const sockets: ClientSocket[] = [];

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

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createSchedulingTestClinic(database.db);
		http = createServer();
		io = attachRealtime(http, { db: database.db, logger: createLogger('silent'), config: readConfig({ LOG_LEVEL: 'silent' }), sessionTtlMs });
		await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
	}, 60_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await new Promise<void>((resolve) => io?.close(() => resolve()));
		await database?.drop();
	});

	it('refuses a patient and a malformed request in the acknowledgement; staff and a provider (own calendar) may follow', async () => {
		const patient = await connect(clinic.actors.patient);
		expect(await patient.emitWithAck('calendar:watch', { scope: 'clinic' })).toEqual({ ok: false, error: expect.stringMatching(/does not allow/) });
		expect(await patient.emitWithAck('calendar:watch', { scope: 'practitioner', practitionerId: clinic.practitioners.ruiz })).toMatchObject({ ok: false });
		const desk = await connect(clinic.actors.frontDesk);
		for (const bad of [{}, { scope: 'everyone' }, { scope: 'practitioner', practitionerId: 'nope' }, { scope: 'clinic', extra: 1 }, null, 'clinic']) {
			expect(await (desk as unknown as Loose).emitWithAck('calendar:watch', bad)).toEqual({ ok: false, error: expect.stringMatching(/^Say which calendar/) });
		}
		expect(await desk.emitWithAck('calendar:watch', { scope: 'clinic' })).toEqual({ ok: true });
		const ruiz = await connect(clinic.actors.teamPhysician);
		expect(await ruiz.emitWithAck('calendar:watch', { scope: 'practitioner', practitionerId: clinic.practitioners.ruiz })).toEqual({ ok: true });
		expect(await desk.emitWithAck('calendar:unwatch', { scope: 'clinic' })).toEqual({ ok: true });
	});

	it("tells the clinic's and the provider's calendars of a booking and a cancellation, without patient details; not a patient or another provider's calendar", async () => {
		const clinicWatcher = await connect(clinic.actors.frontDesk);
		expect(await clinicWatcher.emitWithAck('calendar:watch', { scope: 'clinic' })).toEqual({ ok: true });
		const providerWatcher = await connect(clinic.actors.teamPhysician);
		expect(await providerWatcher.emitWithAck('calendar:watch', { scope: 'practitioner', practitionerId: clinic.practitioners.ruiz })).toEqual({ ok: true });
		// Another provider's calendar must not hear of Dr. Ruiz's booking.
		const otherWatcher = await connect(clinic.actors.admin);
		expect(await otherWatcher.emitWithAck('calendar:watch', { scope: 'practitioner', practitionerId: clinic.practitioners.okafor })).toEqual({ ok: true });
		const otherSaw = record(otherWatcher);
		const patient = await connect(clinic.actors.patient);
		await patient.emitWithAck('calendar:watch', { scope: 'clinic' });
		const patientSaw = record(patient);

		const startsAt = clinicWeekdayAt(3, '10:00');
		const clinicHears = next(clinicWatcher, (c) => c.kind === 'booked');
		const providerHears = next(providerWatcher, (c) => c.kind === 'booked');
		const appointment = await bookAppointment(database.db, clinic.actors.frontDesk, {
			patientId: clinic.patientId,
			appointmentTypeId: clinic.types.inPerson.id,
			practitionerId: clinic.practitioners.ruiz,
			locationId: clinic.locations.main,
			startsAt,
			reason: 'Knee pain'
		});
		const [seenByClinic, seenByProvider] = await Promise.all([clinicHears, providerHears]);
		for (const change of [seenByClinic, seenByProvider]) {
			expect(change).toMatchObject({ kind: 'booked', appointmentId: appointment.id, practitionerIds: [clinic.practitioners.ruiz], days: [clinicDate(startsAt)] });
			// Content-free: no names, reasons or patient ids travel with the notice.
			expect(JSON.stringify(change)).not.toMatch(/Knee|Lopez|Maria/);
			expect(JSON.stringify(change)).not.toContain(clinic.patientId);
		}

		const cancelHeard = next(providerWatcher, (c) => c.kind === 'cancelled' && c.appointmentId === appointment.id);
		await cancelAppointment(database.db, clinic.actors.frontDesk, { appointmentId: appointment.id, reason: 'Patient asked' });
		await cancelHeard;
		// A round trip on each socket after the changes: anything sent to them would have arrived first.
		await otherWatcher.emitWithAck('presence:ping');
		await patient.emitWithAck('presence:ping');
		expect(otherSaw).toEqual([]);
		expect(patientSaw).toEqual([]);
	});
});
