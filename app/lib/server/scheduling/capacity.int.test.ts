import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import type { Database } from '../../../../db/client';
import { appointments, appointmentTypes, capacityAlerts, capacityLimits, clinics, locations, notifications, patients, practitioners, users } from '../../../../db/schema/index';
import { onScheduleChange } from './schedule-changes';
import type { ScheduleChange } from '../../realtime/schedule-events';
import { capacityPredicate, checkCapacity, clinicDayBounds, raiseCapacityAlerts } from './capacity';

/**
 * Capacity without the booking module: appointments are inserted as booking would, after the
 * check, inside the same transaction. The refusal through bookAppointment (code 'over_capacity'
 * with alternatives) is covered in scheduling-requests.int.test.ts.
 */
describe.each(testDatabaseKinds)('clinic capacity (%s)', (kind) => {
	let t: TestDatabase;
	let rivera: string;
	let okafor: string;
	let main: string;
	let north: string;
	let patientId: string;
	let typeId: string;
	let frontDesk: string;
	const day = '2030-03-05';
	const otherDay = '2030-03-06';
	const timeZone = 'America/New_York';

	/** 09:00 + n×30 min New York time on `on`. */
	const at = (on: string, n: number) => new Date(clinicDayBounds(on, timeZone).start.getTime() + (9 * 60 + n * 30) * 60_000);

	async function insertVisit(db: Database, practitionerId: string, locationId: string | null, startsAt: Date, minutes = 30, status: 'booked' | 'cancelled' = 'booked') {
		const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
		const [row] = await db
			.insert(appointments)
			.values({ patientId, practitionerId, locationId, appointmentTypeId: typeId, modality: 'in_person', startsAt, endsAt, occupiedUntil: endsAt, status, bookedVia: 'staff' })
			.returning();
		return row!;
	}

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		const [clinic] = await t.db.insert(clinics).values({ name: 'Capacity Test Clinic', timeZone }).returning();
		const [a, b] = await t.db
			.insert(locations)
			.values([
				{ clinicId: clinic!.id, name: 'Main Street', timeZone },
				{ clinicId: clinic!.id, name: 'Northgate', timeZone }
			])
			.returning();
		main = a!.id;
		north = b!.id;
		const [p1, p2] = await t.db
			.insert(practitioners)
			.values([
				{ kind: 'physician', givenName: 'Luz', familyName: 'Rivera' },
				{ kind: 'physician', givenName: 'Ben', familyName: 'Okafor' }
			])
			.returning();
		rivera = p1!.id;
		okafor = p2!.id;
		const [patient] = await t.db.insert(patients).values({ mrn: '30000001', givenName: 'Ines', familyName: 'Silva', birthDate: '1970-01-01', sex: 'female' }).returning();
		patientId = patient!.id;
		const [type] = await t.db.insert(appointmentTypes).values({ name: 'Follow-up', modality: 'in_person', durationMinutes: 30 }).returning();
		typeId = type!.id;
		const staff = await t.db
			.insert(users)
			.values([
				{ email: 'desk@cap.example', displayName: 'Front Desk', passwordHash: 'x', role: 'front_desk' },
				{ email: 'admin@cap.example', displayName: 'Admin', passwordHash: 'x', role: 'clinic_admin' },
				{ email: 'nurse@cap.example', displayName: 'Nurse', passwordHash: 'x', role: 'nurse' }
			])
			.returning();
		frontDesk = staff[0]!.id;
	});
	afterAll(async () => {
		await t?.drop();
	});
	beforeEach(async () => {
		await t.db.delete(appointments);
		await t.db.delete(capacityLimits);
		await t.db.delete(capacityAlerts);
		await t.db.delete(notifications);
	});

	it('refuses the visit past a provider limit, naming the limit; cancelled visits do not count', async () => {
		await t.db.insert(capacityLimits).values({ scope: 'practitioner', scopeKey: `practitioner:${rivera}`, practitionerId: rivera, maxAppointments: 2 });
		await insertVisit(t.db, rivera, main, at(day, 0));
		await insertVisit(t.db, rivera, main, at(day, 1), 30, 'cancelled');
		const booking = { practitionerId: rivera, locationId: main, startsAt: at(day, 2), bookedMinutes: 30 };
		expect(await t.db.transaction((tx) => checkCapacity(tx as unknown as Database, booking))).toEqual({ allowed: true });
		await insertVisit(t.db, rivera, main, at(day, 2));
		const refused = await t.db.transaction((tx) => checkCapacity(tx as unknown as Database, { ...booking, startsAt: at(day, 3) }));
		expect(refused).toEqual({ allowed: false, reason: "Dr Rivera's day on 5 March is full (2 of 2 visits)." });
		// Another provider, and a reschedule of a visit already counted, still fit.
		expect(await checkCapacity(t.db, { ...booking, practitionerId: okafor })).toEqual({ allowed: true });
		const moved = await t.db.select().from(appointments).where(eq(appointments.status, 'booked'));
		expect(await checkCapacity(t.db, { ...booking, startsAt: at(day, 5), excludeAppointmentId: moved[0]!.id })).toEqual({ allowed: true });
	});

	it('a limit for one day beats the standing limit, and minutes count as well as visits', async () => {
		await t.db.insert(capacityLimits).values([
			{ scope: 'location', scopeKey: `location:${main}`, locationId: main, maxAppointments: 1 },
			{ scope: 'location', scopeKey: `location:${main}`, locationId: main, day, maxAppointments: 3 },
			{ scope: 'clinic', scopeKey: 'clinic', maxBookedMinutes: 100 }
		]);
		await insertVisit(t.db, rivera, main, at(day, 0));
		await insertVisit(t.db, rivera, main, at(otherDay, 0));
		expect(await checkCapacity(t.db, { practitionerId: okafor, locationId: main, startsAt: at(day, 1), bookedMinutes: 30 })).toEqual({ allowed: true });
		expect(await checkCapacity(t.db, { practitionerId: okafor, locationId: main, startsAt: at(otherDay, 1), bookedMinutes: 30 })).toEqual({
			allowed: false,
			reason: "Main Street's day on 6 March is full (1 of 1 visits)."
		});
		// The clinic's 100 minutes: 30 booked, 60 more fit, 80 do not.
		expect(await checkCapacity(t.db, { practitionerId: okafor, locationId: north, startsAt: at(day, 1), bookedMinutes: 60 })).toEqual({ allowed: true });
		expect(await checkCapacity(t.db, { practitionerId: okafor, locationId: north, startsAt: at(day, 1), bookedMinutes: 80 })).toEqual({
			allowed: false,
			reason: "The clinic's day on 5 March has 70 of 100 minutes left, too few for a 80-minute visit."
		});
	});

	it('concurrent bookings cannot pass the limit', async () => {
		await t.db.insert(capacityLimits).values({ scope: 'practitioner', scopeKey: `practitioner:${rivera}`, practitionerId: rivera, day, maxAppointments: 3 });
		const attempts = Array.from({ length: 12 }, (_, n) =>
			t.db.transaction(async (tx) => {
				const check = await checkCapacity(tx as unknown as Database, { practitionerId: rivera, locationId: main, startsAt: at(day, n), bookedMinutes: 30 });
				if (!check.allowed) return false;
				await insertVisit(tx as unknown as Database, rivera, main, at(day, n));
				return true;
			})
		);
		const results = await Promise.all(attempts);
		expect(results.filter(Boolean)).toHaveLength(3);
		const [count] = await t.db.select({ n: sql<number>`count(*)::int` }).from(appointments);
		expect(Number(count!.n)).toBe(3);
	});

	it('alerts the front desk and administrators once per level, and publishes a capacity change', async () => {
		const changes: ScheduleChange[] = [];
		const stop = onScheduleChange((change) => changes.push(change));
		try {
			await t.db.insert(capacityLimits).values({ scope: 'practitioner', scopeKey: `practitioner:${rivera}`, practitionerId: rivera, maxAppointments: 5, warnAtPercent: 60 });
			const touched = { practitionerIds: [rivera], locationIds: [main], days: [day] };
			for (let n = 0; n < 2; n++) await insertVisit(t.db, rivera, main, at(day, n));
			expect(await raiseCapacityAlerts(t.db, touched)).toEqual([]);
			await insertVisit(t.db, rivera, main, at(day, 2));
			expect(await raiseCapacityAlerts(t.db, touched)).toEqual([{ scopeKey: `practitioner:${rivera}`, day, level: 'near' }]);
			await insertVisit(t.db, rivera, main, at(day, 3));
			expect(await raiseCapacityAlerts(t.db, touched)).toEqual([]);
			await insertVisit(t.db, rivera, main, at(day, 4));
			expect(await raiseCapacityAlerts(t.db, touched)).toEqual([{ scopeKey: `practitioner:${rivera}`, day, level: 'over' }]);
			expect(await raiseCapacityAlerts(t.db, touched)).toEqual([]);

			const sent = await t.db.select().from(notifications);
			expect(sent).toHaveLength(4); // two levels × (front desk + admin); the nurse is not told
			expect(sent.every((n) => n.kind === 'schedule.capacity' && n.link === `/schedule/capacity?date=${day}`)).toBe(true);
			const mine = sent.filter((n) => n.userId === frontDesk).map((n) => n.title);
			expect(mine.sort()).toEqual(["Dr Rivera's day on 5 March is full", "Dr Rivera's day on 5 March is nearly full"]);
			expect(changes.filter((c) => c.kind === 'capacity')).toHaveLength(2);
		} finally {
			stop();
		}
	});

	it('the slot-search predicate answers from counts loaded once', async () => {
		await t.db.insert(capacityLimits).values([
			{ scope: 'practitioner', scopeKey: `practitioner:${rivera}`, practitionerId: rivera, maxAppointments: 1 },
			{ scope: 'location', scopeKey: `location:${north}`, locationId: north, day: otherDay, maxBookedMinutes: 45 }
		]);
		await insertVisit(t.db, rivera, main, at(day, 0));
		await insertVisit(t.db, okafor, north, at(otherDay, 0));
		const fits = await capacityPredicate(t.db, { practitionerIds: [rivera, okafor], days: [day, otherDay] });
		expect(fits({ practitionerId: rivera, locationId: main, day, minutes: 30 })).toBe(false);
		expect(fits({ practitionerId: rivera, locationId: main, day: otherDay, minutes: 30 })).toBe(true);
		expect(fits({ practitionerId: okafor, locationId: north, day: otherDay, minutes: 15 })).toBe(true);
		expect(fits({ practitionerId: okafor, locationId: north, day: otherDay, minutes: 20 })).toBe(false);
		expect(fits({ practitionerId: okafor, locationId: main, day: otherDay, minutes: 20 })).toBe(true);
	});
});
