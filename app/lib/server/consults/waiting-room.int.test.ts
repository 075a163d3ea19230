import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, careTeamMembers, careTeams, consultParticipants, consults } from '../../../../db/schema/index';
import { AccessDenied, NotFound } from '../access/errors';
import { bookAppointment } from '../scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../scheduling/testing';
import { onConsultChange, type ConsultChange } from './consult-changes';
import { consultStateFor } from './consult-state';
import { endConsult, openConsultForAppointment, type Consult } from './consults';
import { ConsultRefusal } from './errors';
import { liveSession, markOffline, markOnline, recordMediaPresence } from './presence';
import { updateConsultSettings } from './settings';
import { listConsultEvents } from './timeline';
import { admitParticipant, declineParticipant, enterConsult, leaveConsult, messageWaiting, removeParticipant, requireAdmitted } from './waiting-room';

/**
 * The waiting room: first come first served, capacities, the first clinician becomes the host,
 * admission (refused past the call's capacity), decline, removal, leaving; what each person's
 * state shows (a waiting patient: a position and a count, never a name); requireAdmitted as the
 * gate to the call; LiveKit presence from a verified webhook onto the timeline.
 */

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

const p2p = { config: { livekit: undefined } };

describe.each(testDatabaseKinds)('the waiting room on %s', (kind) => {
	let database: TestDatabase;
	let clinic: SchedulingTestClinic;
	let consult: Consult;
	/** Each booking an hour later on one weekday (Dr. Ruiz works 09:00–17:00). */
	let hour = 0;
	const changes: ConsultChange[] = [];
	let stopListening = () => {};

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createSchedulingTestClinic(database.db);
		stopListening = onConsultChange((change) => changes.push(change));
	}, 120_000);
	afterAll(async () => {
		stopListening();
		await database?.drop();
	});
	beforeEach(async () => {
		const appointment = await bookAppointment(database.db, clinic.actors.frontDesk, {
			patientId: clinic.patientId,
			appointmentTypeId: clinic.types.telehealth.id,
			practitionerId: clinic.practitioners.ruiz,
			locationId: clinic.locations.main,
			startsAt: clinicWeekdayAt(2, `${9 + hour++}:00`.padStart(5, '0'))
		});
		await updateConsultSettings(database.db, clinic.actors.admin, { waitingRoomCapacity: 10, callCapacity: 4 });
		consult = await openConsultForAppointment(database.db, clinic.actors.patient, appointment.id, p2p);
	});

	it('queues the patient side first come first served; the waiting see a position and a count, never a name; clinicians see the queue and go straight in, the first as host', async () => {
		const { db } = database;
		const { patient, appointmentsProxy, teamPhysician } = clinic.actors;
		const first = await enterConsult(db, patient, consult.id);
		expect(first.participant).toMatchObject({ status: 'waiting', role: 'patient' });
		const second = await enterConsult(db, appointmentsProxy, consult.id);
		expect(second.participant).toMatchObject({ status: 'waiting', role: 'proxy' });
		// Entering again (a reload) keeps the place.
		expect((await enterConsult(db, patient, consult.id)).participant.waitingSince?.getTime()).toBe(first.participant.waitingSince!.getTime());

		const proxyState = await consultStateFor(db, consult.id, appointmentsProxy.userId);
		expect(proxyState.you).toMatchObject({ status: 'waiting', position: 2, waitingCount: 2, role: 'proxy' });
		expect(proxyState.waiting).toEqual([]);
		expect(proxyState.inCall).toEqual([]);
		expect(JSON.stringify(proxyState)).not.toMatch(/Maria|Lopez|Ruiz/);
		expect((await consultStateFor(db, consult.id, patient.userId)).you).toMatchObject({ position: 1, waitingCount: 2 });

		const host = await enterConsult(db, teamPhysician, consult.id);
		expect(host.participant).toMatchObject({ status: 'admitted', role: 'host' });
		expect(host.access.mayHost).toBe(true);
		const [row] = await db.select().from(consults).where(eq(consults.id, consult.id));
		expect(row!.hostUserId).toBe(teamPhysician.userId);
		markOnline(consult.id, first.participant.id, 'socket-1', { publicKey: 'cGF0aWVudA==', deviceCheck: 'good' });
		const hostState = await consultStateFor(db, consult.id, teamPhysician.userId);
		expect(hostState.waiting.map((w) => [w.displayName, w.position, w.role, w.deviceCheck, w.online])).toEqual([
			['Maria Lopez', 1, 'patient', 'good', true],
			['Helper Friend', 2, 'proxy', null, false]
		]);
		expect(hostState.inCall.map((p) => [p.displayName, p.role])).toEqual([['Dr. Ana Ruiz', 'host']]);
		expect(hostState.capacity).toBe(4);

		// The patient leaves: the proxy moves up.
		await leaveConsult(db, patient, consult.id);
		expect((await consultStateFor(db, consult.id, appointmentsProxy.userId)).you).toMatchObject({ position: 1, waitingCount: 1 });
		expect(markOffline(consult.id, first.participant.id, 'socket-1')).toBe(true);
		expect(liveSession(consult.id, first.participant.id)).toEqual({ online: false, publicKey: null, deviceCheck: 'good' });
	});

	it('refuses the waiting room past its capacity and admission past the call’s; declines and removals end a person’s part; only clinicians admit', async () => {
		const { db } = database;
		const { patient, appointmentsProxy, teamPhysician, admin } = clinic.actors;
		await updateConsultSettings(db, admin, { waitingRoomCapacity: 1, callCapacity: 2 });
		const waiting = await enterConsult(db, patient, consult.id);
		expect(await refusal(enterConsult(db, appointmentsProxy, consult.id))).toBe('waiting_room_full');
		await updateConsultSettings(db, admin, { waitingRoomCapacity: 10 });
		const proxy = await enterConsult(db, appointmentsProxy, consult.id);

		// The patient side cannot admit, decline or message; the refusal is audited.
		expect(await refusal(admitParticipant(db, patient, consult.id, proxy.participant.id))).toBe('access_denied');
		expect(await refusal(messageWaiting(db, appointmentsProxy, consult.id, waiting.participant.id, 'hello'))).toBe('access_denied');
		const denied = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.admit'), eq(auditEvents.outcome, 'denied'), eq(auditEvents.resourceId, consult.id)));
		expect(denied).toHaveLength(1);
		expect(await refusal(requireAdmitted(db, patient, consult.id))).toBe('not_admitted');
		expect(await refusal(requireAdmitted(db, teamPhysician, consult.id))).toBe('not_admitted');

		await enterConsult(db, teamPhysician, consult.id);
		const message = await messageWaiting(db, teamPhysician, consult.id, waiting.participant.id, '  Running 5 minutes late  ');
		expect(message).toMatchObject({ from: 'Dr. Ana Ruiz', text: 'Running 5 minutes late' });
		expect(await refusal(messageWaiting(db, teamPhysician, consult.id, waiting.participant.id, '   '))).toBe('invalid');
		expect(await refusal(admitParticipant(db, teamPhysician, consult.id, 'nope'))).toBe('not_found');

		changes.length = 0;
		const admitted = await admitParticipant(db, teamPhysician, consult.id, waiting.participant.id);
		expect(admitted).toMatchObject({ status: 'admitted', admittedBy: teamPhysician.userId });
		expect(changes).toEqual([{ consultId: consult.id, kind: 'admission' }]);
		expect((await requireAdmitted(db, patient, consult.id)).id).toBe(waiting.participant.id);
		const [running] = await db.select().from(consults).where(eq(consults.id, consult.id));
		expect(running!.status).toBe('in_progress');
		// Admitting twice changes nothing; the call (2) is full for a third person.
		await admitParticipant(db, teamPhysician, consult.id, waiting.participant.id);
		expect(await refusal(admitParticipant(db, teamPhysician, consult.id, proxy.participant.id))).toBe('room_full');

		const patientState = await consultStateFor(db, consult.id, patient.userId);
		expect(patientState.you).toMatchObject({ status: 'admitted', position: null, waitingCount: null });
		expect(patientState.inCall.map((p) => p.role).sort()).toEqual(['host', 'patient']);
		// An admitted patient still never sees the waiting room.
		expect(patientState.waiting).toEqual([]);
		expect(patientState.recording).toMatchObject({ enabled: true, everyoneConsented: false, active: null });

		const declined = await declineParticipant(db, teamPhysician, consult.id, proxy.participant.id, 'Please book your own visit.');
		expect(declined.participant.status).toBe('declined');
		expect(await refusal(declineParticipant(db, teamPhysician, consult.id, proxy.participant.id, 'again'))).toBe('not_found');
		expect((await consultStateFor(db, consult.id, appointmentsProxy.userId)).you).toMatchObject({ status: 'declined', position: null });
		// Declined may knock again, at the back of the queue.
		expect((await enterConsult(db, appointmentsProxy, consult.id)).participant.status).toBe('waiting');

		const removed = await removeParticipant(db, teamPhysician, consult.id, waiting.participant.id);
		expect(removed.status).toBe('removed');
		expect(await refusal(requireAdmitted(db, patient, consult.id))).toBe('not_admitted');
		const [host] = await db.select().from(consultParticipants).where(and(eq(consultParticipants.consultId, consult.id), eq(consultParticipants.role, 'host')));
		expect(await refusal(removeParticipant(db, teamPhysician, consult.id, host!.id))).toBe('not_found');

		const kinds = (await listConsultEvents(db, consult.id)).map((e) => e.kind);
		expect(kinds).toEqual(['created', 'waiting', 'waiting', 'joined', 'message_to_waiting', 'admitted', 'declined', 'waiting', 'removed']);
		// The timeline never holds what was said.
		expect(JSON.stringify(await listConsultEvents(db, consult.id))).not.toMatch(/late|book your own/);
	});

	it('a second clinician joins as a clinician, not the host: may admit, may not end; the call’s capacity counts clinicians too', async () => {
		const { db } = database;
		const { teamPhysician, outsideNurse, outsidePhysician, admin } = clinic.actors;
		await enterConsult(db, teamPhysician, consult.id);
		// Off the care team: no clinical access, no consult.
		expect(await refusal(enterConsult(db, outsidePhysician, consult.id))).toBe('access_denied');
		expect(await refusal(enterConsult(db, outsideNurse, consult.id))).toBe('access_denied');
		const [team] = await db.select().from(careTeams).where(eq(careTeams.patientId, clinic.patientId));
		await db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: clinic.practitioners.patel });
		const nurse = await enterConsult(db, outsideNurse, consult.id);
		expect(nurse.participant).toMatchObject({ status: 'admitted', role: 'clinician' });
		expect(nurse.access.mayHost).toBe(false);
		const patient = await enterConsult(db, clinic.actors.patient, consult.id);
		await updateConsultSettings(db, admin, { callCapacity: 2 });
		expect(await refusal(admitParticipant(db, outsideNurse, consult.id, patient.participant.id))).toBe('room_full');
		expect((await consultStateFor(db, consult.id, outsideNurse.userId)).capacity).toBe(2);
		await updateConsultSettings(db, admin, { callCapacity: 3 });
		expect((await admitParticipant(db, outsideNurse, consult.id, patient.participant.id)).status).toBe('admitted');
		expect(await refusal(endConsult(db, outsideNurse, consult.id, p2p))).toBe('access_denied');
		const state = await consultStateFor(db, consult.id, teamPhysician.userId);
		expect(state.inCall.map((p) => p.role).sort()).toEqual(['clinician', 'host', 'patient']);
		// The host leaves: the nurse runs the room now and may end it; the physician comes back as a clinician.
		await leaveConsult(db, teamPhysician, consult.id);
		expect((await consultStateFor(db, consult.id, outsideNurse.userId)).you.role).toBe('host');
		expect((await enterConsult(db, teamPhysician, consult.id)).participant.role).toBe('clinician');
		expect(await refusal(endConsult(db, teamPhysician, consult.id, p2p))).toBe('access_denied');
		expect((await endConsult(db, outsideNurse, consult.id, p2p)).status).toBe('ended');
	});

	it('records LiveKit joins and leaves from a verified webhook on the participant and the timeline; unknown rooms and identities change nothing', async () => {
		const { db } = database;
		const host = await enterConsult(db, clinic.actors.teamPhysician, consult.id);
		const at = new Date(Date.now() - 5_000);
		expect(await recordMediaPresence(db, { roomName: consult.roomName, participantIdentity: host.participant.id, event: 'joined', at, source: 'livekit' })).toEqual({
			recorded: true,
			consultId: consult.id,
			participantId: host.participant.id
		});
		expect(await recordMediaPresence(db, { roomName: consult.roomName, participantIdentity: host.participant.id, event: 'left', at: new Date(), source: 'livekit' })).toMatchObject({ recorded: true });
		expect(await recordMediaPresence(db, { roomName: 'consult-unknown', participantIdentity: host.participant.id, event: 'left', at, source: 'livekit' })).toEqual({ recorded: false, reason: 'unknown_room' });
		expect(await recordMediaPresence(db, { roomName: consult.roomName, participantIdentity: 'someone', event: 'left', at, source: 'livekit' })).toEqual({ recorded: false, reason: 'unknown_participant' });
		const events = (await listConsultEvents(db, consult.id)).filter((e) => e.source === 'livekit');
		expect(events.map((e) => e.kind)).toEqual(['joined', 'left']);
		const [participant] = await db.select().from(consultParticipants).where(eq(consultParticipants.id, host.participant.id));
		expect(participant!.leftAt).toBeInstanceOf(Date);
		const webhookAudits = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.webhook'), eq(auditEvents.resourceId, consult.id)));
		expect(webhookAudits).toHaveLength(2);
	});
});
