import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointments, auditEvents } from '../../../../db/schema/index';
import { AccessDenied } from '../access/errors';
import { bookAppointment, cancelAppointment, rescheduleAppointment } from './booking';
import { SchedulingRefusal } from './errors';
import { findSlots } from './slots';
import { clinicWeekdayAt, createSchedulingTestClinic, type SchedulingTestClinic } from './testing';

async function refusalOf(promise: Promise<unknown>): Promise<SchedulingRefusal> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof SchedulingRefusal) return error;
		throw error;
	}
	throw new Error('expected a refusal');
}

describe.each(testDatabaseKinds)('booking (%s)', (kind) => {
	let t: TestDatabase;
	let c: SchedulingTestClinic;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		c = await createSchedulingTestClinic(t.db);
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('100 concurrent bookings of one slot: exactly one succeeds, the other 99 are told the slot was taken', async () => {
		const startsAt = clinicWeekdayAt(3, '10:00');
		const desk = c.actors.frontDesk;
		const results = await Promise.allSettled(
			Array.from({ length: 100 }, (_, i) =>
				bookAppointment(t.db, desk, { patientId: i % 2 ? c.patients.maria.id : c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt })
			)
		);
		const ok = results.filter((r) => r.status === 'fulfilled');
		const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		expect(ok).toHaveLength(1);
		expect(refused).toHaveLength(99);
		for (const r of refused) {
			expect(r.reason).toBeInstanceOf(SchedulingRefusal);
			expect((r.reason as SchedulingRefusal).code).toBe('slot_taken');
		}
		expect((refused[0]!.reason as SchedulingRefusal).alternatives.length).toBeGreaterThan(0);
		const held = await t.db.select().from(appointments).where(and(eq(appointments.practitionerId, c.practitioners.ruiz), eq(appointments.startsAt, startsAt)));
		expect(held).toHaveLength(1);
	});

	it('back-to-back visits are allowed; a visit inside the previous one\'s buffer is refused; cancel frees the time', async () => {
		const desk = c.actors.frontDesk;
		const first = await bookAppointment(t.db, desk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.okafor, startsAt: clinicWeekdayAt(4, '09:00') });
		// 30 + 10 buffer: 09:40 is free, 09:30 is in the buffer.
		const inBuffer = await refusalOf(bookAppointment(t.db, desk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.okafor, startsAt: clinicWeekdayAt(4, '09:30') }));
		expect(inBuffer.code).toBe('slot_taken');
		await bookAppointment(t.db, desk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.okafor, startsAt: clinicWeekdayAt(4, '09:40') });
		await cancelAppointment(t.db, desk, { appointmentId: first.id });
		await bookAppointment(t.db, desk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.telehealth.id, practitionerId: c.practitioners.okafor, startsAt: clinicWeekdayAt(4, '09:00') });
	});

	it('a reschedule with a stale version is refused and changes nothing', async () => {
		const desk = c.actors.frontDesk;
		const booked = await bookAppointment(t.db, desk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt: clinicWeekdayAt(5, '14:00') });
		const moved = await rescheduleAppointment(t.db, desk, { appointmentId: booked.id, startsAt: clinicWeekdayAt(5, '15:00'), expectedVersion: 1 });
		expect(moved.version).toBe(2);
		expect(moved.rescheduleCount).toBe(1);
		const stale = await refusalOf(rescheduleAppointment(t.db, desk, { appointmentId: booked.id, startsAt: clinicWeekdayAt(5, '16:00'), expectedVersion: 1 }));
		expect(stale.code).toBe('stale');
		const [row] = await t.db.select().from(appointments).where(eq(appointments.id, booked.id));
		expect(row!.startsAt.getTime()).toBe(clinicWeekdayAt(5, '15:00').getTime());
	});

	it('portal: a proxy without the appointments scope is refused and audited; a patient cannot book for another patient', async () => {
		const slots = await findSlots(t.db, { appointmentTypeId: c.types.telehealth.id, practitionerIds: [c.practitioners.ruiz], from: clinicWeekdayAt(6, '00:00'), to: clinicWeekdayAt(8, '00:00'), portal: true, limit: 3 });
		expect(slots.length).toBe(3);
		const slot = slots[0]!;
		const input = { patientId: c.patients.maria.id, appointmentTypeId: c.types.telehealth.id, practitionerId: slot.practitionerId, startsAt: slot.startsAt };
		await expect(bookAppointment(t.db, c.actors.recordsProxy, input)).rejects.toBeInstanceOf(AccessDenied);
		const denied = await t.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.actorUserId, c.actors.recordsProxy.userId), eq(auditEvents.action, 'appointment.book'), eq(auditEvents.outcome, 'denied')));
		expect(denied).toHaveLength(1);
		await expect(bookAppointment(t.db, c.actors.patient, { ...input, patientId: c.patients.tom.id })).rejects.toBeInstanceOf(AccessDenied);
		const booked = await bookAppointment(t.db, c.actors.appointmentsProxy, input);
		expect(booked.bookedVia).toBe('portal');
	});
});
