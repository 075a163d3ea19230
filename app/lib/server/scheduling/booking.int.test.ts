import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointments, auditEvents } from '../../../../db/schema/index';
import { AccessDenied } from '../access/errors';
import { addException } from './availability';
import { bookAppointment, cancelAppointment, confirmAppointment, recordAttendance, rescheduleAppointment } from './booking';
import { getAppointment, listCalendar, listPatientAppointments } from './calendar';
import type { ReminderLinkActor } from '../access/schedule-access';
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

	it('refuses times outside the hours, over a block, in the past, and off the grid for portal users; staff may book any free time within hours', async () => {
		const desk = c.actors.frontDesk;
		const base = { patientId: c.patients.tom.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.okafor };
		// Okafor works 09:00–12:00 and 13:00–17:00: 11:30 + 30 + 10 runs past noon.
		expect((await refusalOf(bookAppointment(t.db, desk, { ...base, startsAt: clinicWeekdayAt(7, '11:30') }))).code).toBe('outside_hours');
		expect((await refusalOf(bookAppointment(t.db, desk, { ...base, startsAt: clinicWeekdayAt(7, '07:00') }))).code).toBe('outside_hours');
		await addException(t.db, c.actors.admin, { practitionerId: c.practitioners.okafor, kind: 'block', category: 'professional', startsAt: clinicWeekdayAt(7, '14:00'), endsAt: clinicWeekdayAt(7, '15:00') });
		expect((await refusalOf(bookAppointment(t.db, desk, { ...base, startsAt: clinicWeekdayAt(7, '13:30') }))).code).toBe('blocked');
		expect((await refusalOf(bookAppointment(t.db, desk, { ...base, startsAt: new Date(Date.now() - 86_400_000) }))).code).toBe('in_past');
		// Nothing was written by a refusal.
		const rows = await t.db.select().from(appointments).where(eq(appointments.practitionerId, c.practitioners.okafor));
		expect(rows.filter((r) => r.startsAt.getTime() >= clinicWeekdayAt(7, '00:00').getTime() && r.startsAt.getTime() < clinicWeekdayAt(7, '23:59').getTime())).toHaveLength(0);
		// Staff: any start within hours; the portal: only the grid.
		await bookAppointment(t.db, desk, { ...base, startsAt: clinicWeekdayAt(7, '09:05') });
		const portal = await refusalOf(bookAppointment(t.db, c.actors.patient, { ...base, patientId: c.patients.maria.id, startsAt: clinicWeekdayAt(7, '10:05') }));
		expect(portal.code).toBe('outside_hours');
		const staffOnly = await refusalOf(bookAppointment(t.db, c.actors.patient, { ...base, patientId: c.patients.maria.id, appointmentTypeId: c.types.staffOnly.id, startsAt: clinicWeekdayAt(7, '10:00') }));
		expect(staffOnly.code).toBe('not_bookable');
	});

	it('attendance moves only forward; a reminder link confirms only its own appointment', async () => {
		const desk = c.actors.frontDesk;
		const visit = await bookAppointment(t.db, desk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.telehealth.id, practitionerId: c.practitioners.ruiz, startsAt: clinicWeekdayAt(8, '11:00') });
		const other = await bookAppointment(t.db, desk, { patientId: c.patients.tom.id, appointmentTypeId: c.types.telehealth.id, practitionerId: c.practitioners.ruiz, startsAt: clinicWeekdayAt(8, '11:20') });
		const link: ReminderLinkActor = { kind: 'reminder_link', linkId: '00000000-0000-4000-8000-000000000001', appointmentId: visit.id, patientId: c.patients.maria.id, action: 'confirm', sourceAddress: '127.0.0.1' };
		const confirmed = await confirmAppointment(t.db, link, { appointmentId: visit.id });
		expect(confirmed.status).toBe('confirmed');
		expect(confirmed.reminderResponse).toBe('confirmed');
		await expect(confirmAppointment(t.db, { ...link, appointmentId: other.id }, { appointmentId: other.id })).rejects.toBeInstanceOf(AccessDenied);
		await expect(cancelAppointment(t.db, link, { appointmentId: visit.id })).rejects.toBeInstanceOf(AccessDenied);
		// The patient side may not record attendance.
		await expect(recordAttendance(t.db, c.actors.patient, { appointmentId: visit.id, status: 'checked_in' })).rejects.toBeInstanceOf(AccessDenied);
		expect((await refusalOf(recordAttendance(t.db, desk, { appointmentId: visit.id, status: 'no_show' }))).code).toBe('not_allowed_status');
		const checkedIn = await recordAttendance(t.db, desk, { appointmentId: visit.id, status: 'checked_in' });
		expect(checkedIn.status).toBe('checked_in');
		expect((await refusalOf(cancelAppointment(t.db, desk, { appointmentId: visit.id }))).code).toBe('not_allowed_status');
		const done = await recordAttendance(t.db, desk, { appointmentId: visit.id, status: 'completed' });
		expect(done.status).toBe('completed');
		expect((await refusalOf(recordAttendance(t.db, desk, { appointmentId: visit.id, status: 'checked_in' }))).code).toBe('not_allowed_status');
	});

	it('calendar reads are staff-only and audited once; the patient side sees its own appointments without staff notes', async () => {
		const desk = c.actors.frontDesk;
		const visit = await bookAppointment(t.db, desk, { patientId: c.patients.maria.id, appointmentTypeId: c.types.inPerson.id, practitionerId: c.practitioners.ruiz, startsAt: clinicWeekdayAt(9, '09:00'), notes: 'Bring the old X-rays' });
		const day = await listCalendar(t.db, c.actors.teamPhysician, { from: clinicWeekdayAt(9, '00:00'), to: clinicWeekdayAt(9, '23:59'), practitionerIds: [c.practitioners.ruiz] });
		const entry = day.appointments.find((a) => a.id === visit.id)!;
		expect(entry.patientName).toBe('Maria Lopez');
		expect(entry.notes).toBe('Bring the old X-rays');
		expect(day.hours.length).toBeGreaterThan(0);
		await expect(listCalendar(t.db, c.actors.patient, { from: clinicWeekdayAt(9, '00:00'), to: clinicWeekdayAt(9, '23:59') })).rejects.toBeInstanceOf(AccessDenied);
		const mine = await listPatientAppointments(t.db, c.actors.patient, c.patients.maria.id, { include: 'upcoming' });
		expect(mine.find((a) => a.id === visit.id)?.notes).toBe('');
		await expect(listPatientAppointments(t.db, c.actors.patient, c.patients.tom.id, { include: 'all' })).rejects.toBeInstanceOf(AccessDenied);
		await expect(getAppointment(t.db, c.actors.recordsProxy, visit.id)).rejects.toBeInstanceOf(AccessDenied);
		expect((await getAppointment(t.db, c.actors.appointmentsProxy, visit.id)).id).toBe(visit.id);
		const lists = await t.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, c.actors.teamPhysician.userId), eq(auditEvents.action, 'appointment.list')));
		expect(lists).toHaveLength(1);
	});
});
