import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointments, auditEvents, careTeamMembers, careTeams, consultEvents, encounters } from '../../../../db/schema/index';
import { authorizeConsult } from '../access/consult-access';
import { AccessDenied, NotFound } from '../access/errors';
import { bookAppointment, cancelAppointment } from '../scheduling/booking';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from '../scheduling/testing';
import { endConsult, getConsultView, listConsultsForPatient, listOpenConsultsForAgent, openConsultForAppointment, startUnscheduledConsult, type MediaRoomPort } from './consults';
import { ConsultRefusal } from './errors';
import { enterConsult } from './waiting-room';

/**
 * Opening, viewing and ending consults, and the access seam behind them: who may know of a
 * consult (another patient's is not found), who may run one, and that each is audited. The
 * media server is a recording fake (LiveKit cannot run here): the consult tells it to make and
 * close the room, and a failure of it never undoes the consult.
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

function fakeRooms(fail = false): MediaRoomPort & { calls: string[] } {
	const calls: string[] = [];
	return {
		calls,
		async ensureMediaRoom(_config, roomName, { maxParticipants }) {
			calls.push(`ensure ${roomName} ${maxParticipants}`);
			if (fail) throw new Error('livekit down');
		},
		async closeMediaRoom(_config, roomName) {
			calls.push(`close ${roomName}`);
		}
	};
}

const p2p = { config: { livekit: undefined } };
const livekit = { config: { livekit: { url: 'wss://livekit.invalid', apiKey: 'key', apiSecret: 'secret-secret-secret-secret-secret' } } };

describe.each(testDatabaseKinds)('consults on %s', (kind) => {
	let database: TestDatabase;
	let clinic: SchedulingTestClinic;
	/** Each booking an hour later on one weekday (Dr. Ruiz works 09:00–17:00). */
	let hour = 0;

	const book = async (modality: 'telehealth' | 'in_person' = 'telehealth', patientId?: string) =>
		bookAppointment(database.db, clinic.actors.frontDesk, {
			patientId: patientId ?? clinic.patientId,
			appointmentTypeId: modality === 'telehealth' ? clinic.types.telehealth.id : clinic.types.inPerson.id,
			practitionerId: clinic.practitioners.ruiz,
			locationId: clinic.locations.main,
			startsAt: clinicWeekdayAt(2, `${9 + hour++}:00`.padStart(5, '0'))
		});

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createSchedulingTestClinic(database.db);
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	it('opens one consult per telehealth appointment, with a telehealth encounter and a random room name; the patient, an appointments proxy and the care team may open it', async () => {
		const { db } = database;
		const appointment = await book();
		const rooms = fakeRooms();
		const [first, second, third] = await Promise.all([
			openConsultForAppointment(db, clinic.actors.patient, appointment.id, { ...livekit, mediaRooms: rooms }),
			openConsultForAppointment(db, clinic.actors.teamPhysician, appointment.id, { ...livekit, mediaRooms: rooms }),
			openConsultForAppointment(db, clinic.actors.appointmentsProxy, appointment.id, { ...livekit, mediaRooms: rooms })
		]);
		expect(second!.id).toBe(first!.id);
		expect(third!.id).toBe(first!.id);
		expect(first).toMatchObject({ patientId: clinic.patientId, appointmentId: appointment.id, status: 'open', transport: 'livekit', capacity: 4 });
		expect(first!.roomName).toMatch(/^consult-[A-Za-z0-9_-]{20,}$/);
		expect(first!.roomName).not.toMatch(/maria|lopez/i);
		const [encounter] = await db.select().from(encounters).where(eq(encounters.id, first!.encounterId));
		expect(encounter).toMatchObject({ kind: 'telehealth', status: 'planned', patientId: clinic.patientId });
		const [booked] = await db.select().from(appointments).where(eq(appointments.id, appointment.id));
		expect(booked!.encounterId).toBe(first!.encounterId);
		expect(rooms.calls).toContain(`ensure ${first!.roomName} 4`);
		const created = await db.select().from(consultEvents).where(and(eq(consultEvents.consultId, first!.id), eq(consultEvents.kind, 'created')));
		expect(created).toHaveLength(1);
		const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.create'), eq(auditEvents.resourceId, first!.id)));
		expect(audits.map((a) => a.outcome)).toEqual(['success']);
	});

	it('refuses an office visit, another patient, a records-only proxy, the front desk and a clinician off the care team', async () => {
		const { db } = database;
		const office = await book('in_person');
		expect(await refusal(openConsultForAppointment(db, clinic.actors.teamPhysician, office.id, p2p))).toBe('not_telehealth');
		const tom = await book('telehealth', clinic.otherPatientId);
		// Dr. Ruiz also cares for Tom, so a consult of his can exist for Maria to look for.
		const [tomsTeam] = await db.insert(careTeams).values({ patientId: clinic.otherPatientId, name: 'Primary care' }).returning();
		await db.insert(careTeamMembers).values({ careTeamId: tomsTeam!.id, practitionerId: clinic.practitioners.ruiz });
		// Another patient's appointment is not one the patient may know of.
		expect(await refusal(openConsultForAppointment(db, clinic.actors.patient, tom.id, p2p))).toBe('not_found');
		const maria = await book();
		expect(await refusal(openConsultForAppointment(db, clinic.actors.recordsProxy, maria.id, p2p))).toBe('not_found');
		expect(await refusal(openConsultForAppointment(db, clinic.actors.frontDesk, maria.id, p2p))).toBe('access_denied');
		expect(await refusal(openConsultForAppointment(db, clinic.actors.outsidePhysician, maria.id, p2p))).toBe('access_denied');
		expect(await refusal(openConsultForAppointment(db, clinic.actors.patient, 'not-a-uuid', p2p))).toBe('not_found');
		const denied = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.create'), eq(auditEvents.outcome, 'denied')));
		expect(denied.length).toBeGreaterThanOrEqual(4);

		const consult = await openConsultForAppointment(db, clinic.actors.teamPhysician, maria.id, p2p);
		expect(consult.transport).toBe('p2p');
		for (const outsider of [clinic.actors.recordsProxy, clinic.actors.external]) expect(await refusal(authorizeConsult(db, outsider, consult.id, { action: 'consult.view' }))).toBe('not_found');
		const otherConsult = await openConsultForAppointment(db, clinic.actors.teamPhysician, tom.id, p2p);
		expect(await refusal(getConsultView(db, clinic.actors.patient, otherConsult.id))).toBe('not_found');
		expect(await refusal(getConsultView(db, clinic.actors.frontDesk, consult.id))).toBe('access_denied');
		expect(await refusal(getConsultView(db, clinic.actors.outsideNurse, consult.id))).toBe('access_denied');
		const view = await getConsultView(db, clinic.actors.appointmentsProxy, consult.id);
		expect(view).toMatchObject({ side: 'patient', mayHost: false, patientName: 'Maria Lopez', practitionerName: 'Ana Ruiz', encounterId: consult.encounterId });
		expect(view.appointmentStartsAt?.toISOString()).toBe(maria.startsAt.toISOString());
		const staffView = await getConsultView(db, clinic.actors.teamPhysician, consult.id);
		expect(staffView).toMatchObject({ side: 'staff', mayHost: true });
		const views = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'consult.view'), eq(auditEvents.resourceId, consult.id)));
		expect(views.map((v) => v.outcome).sort()).toEqual(['denied', 'denied', 'denied', 'denied', 'success', 'success']);
	});

	it('lists consults for the chart and the open ones for the portal, only of the patients the person acts for', async () => {
		const { db } = database;
		const mine = await listOpenConsultsForAgent(db, clinic.actors.patient);
		expect(mine.length).toBeGreaterThan(0);
		expect(mine.every((s) => s.consult.patientId === clinic.patientId && s.consult.status !== 'ended')).toBe(true);
		expect(await listOpenConsultsForAgent(db, clinic.actors.recordsProxy)).toEqual([]);
		expect((await listOpenConsultsForAgent(db, clinic.actors.appointmentsProxy)).length).toBe(mine.length);
		const chart = await listConsultsForPatient(db, clinic.actors.teamPhysician, clinic.patientId);
		expect(chart.length).toBe(mine.length);
		expect(await refusal(listConsultsForPatient(db, clinic.actors.patient, clinic.otherPatientId))).toBe('access_denied');
		expect(await refusal(listConsultsForPatient(db, clinic.actors.frontDesk, clinic.patientId))).toBe('access_denied');
		// A visit cancelled after its room opened is no longer offered.
		const cancelled = await book();
		const cancelledConsult = await openConsultForAppointment(db, clinic.actors.patient, cancelled.id, p2p);
		expect((await listOpenConsultsForAgent(db, clinic.actors.patient)).map((s) => s.consult.id)).toContain(cancelledConsult.id);
		await cancelAppointment(db, clinic.actors.frontDesk, { appointmentId: cancelled.id, reason: 'Patient asked' });
		expect((await listOpenConsultsForAgent(db, clinic.actors.patient)).map((s) => s.consult.id)).not.toContain(cancelledConsult.id);
		expect(await refusal(enterConsult(db, clinic.actors.patient, cancelledConsult.id))).toBe('ended');
	});

	it('starts an unscheduled consult (a second click reuses it); only the host ends it, which finishes the encounter, empties the rooms and closes the media room even when the media server fails', async () => {
		const { db } = database;
		const rooms = fakeRooms(true);
		const consult = await startUnscheduledConsult(db, clinic.actors.teamPhysician, clinic.patientId, { ...livekit, mediaRooms: rooms });
		expect(consult).toMatchObject({ appointmentId: null, hostUserId: clinic.actors.teamPhysician.userId, transport: 'livekit' });
		expect((await startUnscheduledConsult(db, clinic.actors.teamPhysician, clinic.patientId, { ...livekit, mediaRooms: rooms })).id).toBe(consult.id);
		expect(await refusal(startUnscheduledConsult(db, clinic.actors.patient, clinic.patientId, p2p))).toBe('access_denied');
		expect(await refusal(startUnscheduledConsult(db, clinic.actors.outsidePhysician, clinic.patientId, p2p))).toBe('access_denied');

		await enterConsult(db, clinic.actors.teamPhysician, consult.id);
		await enterConsult(db, clinic.actors.patient, consult.id);
		expect(await refusal(endConsult(db, clinic.actors.patient, consult.id, p2p))).toBe('access_denied');
		const ended = await endConsult(db, clinic.actors.teamPhysician, consult.id, { ...livekit, mediaRooms: rooms });
		expect(ended.status).toBe('ended');
		expect(ended.endedAt).toBeInstanceOf(Date);
		expect(rooms.calls).toContain(`close ${consult.roomName}`);
		const [encounter] = await db.select().from(encounters).where(eq(encounters.id, consult.encounterId));
		expect(encounter!.status).toBe('finished');
		// Ending again changes nothing; entering an ended consult is refused.
		expect((await endConsult(db, clinic.actors.teamPhysician, consult.id, p2p)).endedAt?.getTime()).toBe(ended.endedAt!.getTime());
		expect(await refusal(enterConsult(db, clinic.actors.patient, consult.id))).toBe('ended');
		const kinds = (await db.select().from(consultEvents).where(eq(consultEvents.consultId, consult.id))).map((e) => e.kind);
		expect(kinds).toEqual(expect.arrayContaining(['created', 'joined', 'waiting', 'ended']));
		// A new click after the end starts a new consult.
		expect((await startUnscheduledConsult(db, clinic.actors.teamPhysician, clinic.patientId, p2p)).id).not.toBe(consult.id);
	});
});
