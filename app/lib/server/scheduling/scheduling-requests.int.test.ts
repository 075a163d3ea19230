import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointments, auditEvents, notifications, schedulingRequests } from '../../../../db/schema/index';
import { AccessDenied } from '../access/errors';
import { bookAppointment } from './booking';
import { SchedulingRefusal } from './errors';
import {
	cancelSchedulingRequest,
	createSchedulingRequest,
	listSchedulingRequests,
	reorderSchedulingRequest,
	scheduleEarliestWithinCapacity,
	scheduleRequestAt,
	slotsForRequest
} from './scheduling-requests';
import { clinicDate, clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from './testing';
import { getUtilization, setCapacityLimit } from './utilization';

async function refusalOf(promise: Promise<unknown>): Promise<SchedulingRefusal> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof SchedulingRefusal) return error;
		throw error;
	}
	throw new Error('expected a refusal');
}

/** Capacity through the booking module, the utilization dashboard's reads, and the prioritisation queue. */
describe.each(testDatabaseKinds)('capacity and the request queue (%s)', (kind) => {
	let t: TestDatabase;
	let c: SchedulingTestClinic;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		c = await createSchedulingTestClinic(t.db);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it("booking past a provider's day limit is refused ('over_capacity') with alternatives within capacity; a day limit beats the standing one", async () => {
		const desk = c.actors.frontDesk;
		const first = clinicWeekdayAt(2, '10:00');
		const day = clinicDate(first);
		const ruiz = c.practitioners.ruiz;
		await setCapacityLimit(t.db, desk, { scope: 'practitioner', targetId: ruiz, day: null, maxAppointments: 5, maxBookedMinutes: null, warnAtPercent: 80 });
		await setCapacityLimit(t.db, desk, { scope: 'practitioner', targetId: ruiz, day, maxAppointments: 1, maxBookedMinutes: null, warnAtPercent: 50 });
		await bookAppointment(t.db, desk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.inPerson.id, practitionerId: ruiz, startsAt: first });

		const refusal = await refusalOf(
			bookAppointment(t.db, desk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: ruiz, startsAt: clinicWeekdayAt(2, '11:00') })
		);
		expect(refusal.code).toBe('over_capacity');
		expect(refusal.message).toMatch(/^Dr Ruiz's day on \d+ \w+ is full \(1 of 1 visits\)\./);
		expect(refusal.alternatives.length).toBeGreaterThan(0);
		expect(refusal.alternatives.some((s) => s.practitionerId === ruiz && clinicDate(new Date(s.startsAt)) === day)).toBe(false);

		// The dashboard shows the day's own limit, full; staff were told once ('over' settles 'near').
		const view = await getUtilization(t.db, desk, { day });
		const row = view.practitioners.find((p) => p.targetId === ruiz)!;
		expect(row).toMatchObject({ booked: { appointments: 1, minutes: 30 }, limit: { maxAppointments: 1, source: 'day' }, percent: 100, state: 'over' });
		expect(view.clinic).toMatchObject({ booked: { appointments: 1 }, limit: null, state: 'ok' });
		const told = await t.db.select().from(notifications).where(and(eq(notifications.userId, desk.userId), eq(notifications.kind, 'schedule.capacity')));
		expect(told.map((n) => n.title)).toEqual([expect.stringMatching(/^Dr Ruiz's day on .* is full$/)]);
		const [viewed] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'schedule.capacity_view'), eq(auditEvents.actorUserId, desk.userId)));
		expect(viewed).toMatchObject({ outcome: 'success', resourceId: day });
	});

	it('an urgent request goes to the earliest slot within capacity, skipping a full provider day', async () => {
		const desk = c.actors.frontDesk;
		const from = clinicWeekdayAt(16, '07:00');
		const day = clinicDate(from);
		// Nurse Patel (from 08:00) and Dr. Ruiz (09:00 at Main Street) are full that day: Dr. Okafor's 09:00 at Northgate is next.
		for (const practitionerId of [c.practitioners.patel, c.practitioners.ruiz]) {
			await setCapacityLimit(t.db, desk, { scope: 'practitioner', targetId: practitionerId, day, maxAppointments: 0, maxBookedMinutes: null, warnAtPercent: 80 });
		}
		const outcome = await createSchedulingRequest(
			t.db,
			desk,
			{ patientId: c.patients.tom.id, urgency: 'urgent', appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, locationId: null, neededBy: null, reason: 'Chest pain follow-up' },
			{ now: from }
		);
		expect(outcome.appointment).not.toBeNull();
		expect(outcome.appointment).toMatchObject({ practitionerId: c.practitioners.okafor, locationId: c.locations.northgate, urgency: 'urgent', startsAt: clinicWeekdayAt(16, '09:00') });
		expect(outcome.request).toMatchObject({ status: 'scheduled', appointmentId: outcome.appointment!.id });
		expect(outcome.message).toMatch(/^Booked with/);
		// Nothing is left for a request already booked.
		expect((await refusalOf(scheduleEarliestWithinCapacity(t.db, desk, outcome.request.id))).code).toBe('not_allowed_status');
		const booked = await t.db.select().from(appointments).where(eq(appointments.id, outcome.appointment!.id));
		expect(booked[0]!.reason).toBe('Chest pain follow-up');
	});

	it('the queue lists urgency first; a drag-and-drop move persists as one rank, stays stable, and survives tiny gaps', async () => {
		const desk = c.actors.frontDesk;
		const base = { appointmentTypeId: c.types.telehealth.id, practitionerId: null, locationId: null, neededBy: null };
		const make = async (patientId: string, urgency: 'routine' | 'soon', reason: string) =>
			(await createSchedulingRequest(t.db, desk, { ...base, patientId, urgency, reason })).request.id;
		const a = await make(c.patients.maria.id, 'routine', 'A');
		const b = await make(c.patients.tom.id, 'routine', 'B');
		const cc = await make(c.patients.maria.id, 'routine', 'C');
		const soon = await make(c.patients.tom.id, 'soon', 'S');
		const order = async () => (await listSchedulingRequests(t.db, desk, {})).filter((r) => r.reason !== '' && r.status === 'waiting').map((r) => r.reason);
		expect(await order()).toEqual(['S', 'A', 'B', 'C']);

		await reorderSchedulingRequest(t.db, desk, { requestId: cc, previousId: a, nextId: b });
		expect(await order()).toEqual(['S', 'A', 'C', 'B']);
		expect(await order()).toEqual(['S', 'A', 'C', 'B']);
		// A neighbour of another urgency is ignored: C goes to the top of the routine ones, never above S.
		await reorderSchedulingRequest(t.db, desk, { requestId: cc, previousId: soon, nextId: a });
		expect(await order()).toEqual(['S', 'C', 'A', 'B']);

		// Squeeze B and A between C and each other until the gap is far below a millionth: renumbered, order kept.
		for (let i = 0; i < 32; i++) {
			if (i % 2 === 0) await reorderSchedulingRequest(t.db, desk, { requestId: b, previousId: cc, nextId: a });
			else await reorderSchedulingRequest(t.db, desk, { requestId: a, previousId: cc, nextId: b });
		}
		expect(await order()).toEqual(['S', 'C', 'A', 'B']);
		const ranks = (await t.db.select({ rank: schedulingRequests.rank }).from(schedulingRequests).where(and(eq(schedulingRequests.status, 'waiting'), eq(schedulingRequests.urgency, 'routine')))).map((r) => r.rank).sort((x, y) => x - y);
		for (let i = 1; i < ranks.length; i++) expect(ranks[i]! - ranks[i - 1]!).toBeGreaterThan(1e-9);

		const filtered = await listSchedulingRequests(t.db, desk, { q: 'Baker', urgency: 'routine' });
		expect(filtered.map((r) => r.reason)).toEqual(['B']);
		const [reordered] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'schedule.request_reorder'), eq(auditEvents.resourceId, cc)));
		expect(reordered).toMatchObject({ outcome: 'success', patientId: c.patients.maria.id });
	});

	it('staff pick a free time for a routine request (its preferred provider first), or cancel one', async () => {
		const nurse = c.actors.outsideNurse;
		const base = { appointmentTypeId: c.types.inPerson.id, locationId: null, neededBy: null, urgency: 'routine' as const };
		const wanted = (await createSchedulingRequest(t.db, nurse, { ...base, patientId: c.patients.maria.id, practitionerId: c.practitioners.okafor, reason: 'Pick' })).request;
		expect(wanted).toMatchObject({ status: 'waiting', practitionerName: 'Dr Okafor', typeName: 'Office visit' });
		const slots = await slotsForRequest(t.db, nurse, wanted.id, { now: clinicWeekdayAt(20, '07:00') });
		expect(slots[0]).toMatchObject({ practitionerId: c.practitioners.okafor });
		const picked = await scheduleRequestAt(t.db, nurse, { requestId: wanted.id, practitionerId: slots[0]!.practitionerId, locationId: slots[0]!.locationId, startsAt: slots[0]!.startsAt });
		expect(picked.request).toMatchObject({ status: 'scheduled', appointmentId: picked.appointment!.id, appointmentStartsAt: slots[0]!.startsAt });

		const dropped = (await createSchedulingRequest(t.db, nurse, { ...base, patientId: c.patients.tom.id, practitionerId: null, reason: 'Drop' })).request;
		expect(await cancelSchedulingRequest(t.db, nurse, { requestId: dropped.id, reason: 'Seen elsewhere' })).toMatchObject({ status: 'cancelled', notes: 'Cancelled: Seen elsewhere' });
		expect((await refusalOf(cancelSchedulingRequest(t.db, nurse, { requestId: dropped.id }))).code).toBe('not_allowed_status');
		expect((await listSchedulingRequests(t.db, nurse, { status: 'cancelled' })).map((r) => r.id)).toContain(dropped.id);
	});

	it('roles without the permission are refused, and the refusal is audited', async () => {
		const { patient, external, teamPhysician } = c.actors;
		await expect(listSchedulingRequests(t.db, patient, {})).rejects.toBeInstanceOf(AccessDenied);
		await expect(getUtilization(t.db, external, { day: '2030-01-02' })).rejects.toBeInstanceOf(AccessDenied);
		await expect(
			createSchedulingRequest(t.db, patient, { patientId: c.patients.maria.id, urgency: 'routine', appointmentTypeId: c.types.inPerson.id, practitionerId: null, locationId: null, neededBy: null })
		).rejects.toBeInstanceOf(AccessDenied);
		// A physician books and sees the queue, but does not set the clinic's thresholds.
		await expect(setCapacityLimit(t.db, teamPhysician, { scope: 'clinic', targetId: null, day: null, maxAppointments: 3, maxBookedMinutes: null, warnAtPercent: 80 })).rejects.toBeInstanceOf(AccessDenied);
		const denied = await t.db.select().from(auditEvents).where(eq(auditEvents.outcome, 'denied'));
		const actions = denied.map((e) => `${e.actorUserId === patient.userId ? 'patient' : e.actorUserId === external.userId ? 'external' : 'physician'} ${e.action}`);
		expect(actions).toEqual(expect.arrayContaining(['patient appointment.list', 'external schedule.capacity_view', 'patient schedule.request_create', 'physician schedule.capacity_change']));
		expect(await t.db.select().from(schedulingRequests).where(eq(schedulingRequests.requestedByUserId, patient.userId))).toEqual([]);
	});
});
