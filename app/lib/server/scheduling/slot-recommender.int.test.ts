import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointments, auditEvents, noShowModels } from '../../../../db/schema/index';
import { AccessDenied } from '../access/errors';
import type { Actor } from '../access/actor';
import { createSchedulingTestClinic, testClinicZone, type SchedulingTestClinic } from './testing';
import { findSlots } from './slots';
import { recommendSlots } from './slot-recommender';

/**
 * Maria Lopez (Dr. Ruiz's patient) has kept four Tuesday-morning visits with Dr. Ruiz and missed
 * two Monday-morning ones: the recommender should offer Dr. Ruiz, say why, and put the soonest
 * slot first when the need is urgent.
 */
describe.each(testDatabaseKinds)('the slot recommender on %s', (kind) => {
	let database: TestDatabase;
	let clinic: SchedulingTestClinic;
	const now = DateTime.fromISO('2026-03-02T08:00', { zone: testClinicZone }).toJSDate(); // a Monday, 8 am

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createSchedulingTestClinic(database.db);
		const past = (weeksAgo: number, weekday: 1 | 2 | 3 | 4 | 5, hhmm: string, status: 'completed' | 'no_show') => {
			const start = DateTime.fromJSDate(now, { zone: testClinicZone })
				.minus({ weeks: weeksAgo })
				.set({ weekday, hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3)) })
				.toJSDate();
			const end = new Date(start.getTime() + 30 * 60_000);
			return {
				patientId: clinic.patients.maria.id,
				practitionerId: clinic.practitioners.ruiz,
				locationId: clinic.locations.main,
				appointmentTypeId: clinic.types.inPerson.id,
				modality: 'in_person' as const,
				startsAt: start,
				endsAt: end,
				occupiedUntil: new Date(end.getTime() + 10 * 60_000),
				status,
				bookedVia: 'staff' as const,
				createdAt: new Date(start.getTime() - 7 * 86_400_000)
			};
		};
		await database.db
			.insert(appointments)
			.values([
				past(2, 2, '10:00', 'completed'),
				past(4, 2, '10:00', 'completed'),
				past(6, 2, '09:30', 'completed'),
				past(8, 2, '11:00', 'completed'),
				past(3, 1, '09:00', 'no_show'),
				past(5, 1, '09:00', 'no_show')
			]);
	});
	afterAll(async () => {
		await database?.drop();
	});

	const recommend = (actor: Actor, urgency: 'routine' | 'soon' | 'urgent') =>
		recommendSlots(database.db, actor, { patientId: clinic.patients.maria.id, appointmentTypeId: clinic.types.inPerson.id, urgency, now });

	it('prefers the usual physician and the times the patient keeps, and says so', async () => {
		const result = await recommend(clinic.actors.frontDesk, 'routine');
		expect(result.slots.length).toBe(5);
		expect(result.modelUsed).toBe(false);
		for (const slot of result.slots) {
			expect(slot.reason.length).toBeGreaterThan(10);
			expect(slot.score).toBeGreaterThan(0);
			expect(slot.score).toBeLessThanOrEqual(1);
		}
		const [best] = result.slots;
		expect(best!.practitionerId).toBe(clinic.practitioners.ruiz);
		expect(best!.reason).toContain("Dr. Ana Ruiz, the patient's usual physician");
		const tuesdayMorning = result.slots.find((s) => {
			const local = DateTime.fromISO(s.startsAt, { zone: testClinicZone });
			return local.weekday === 2 && local.hour < 12 && s.practitionerId === clinic.practitioners.ruiz;
		});
		expect(tuesdayMorning?.reason).toContain('Tuesday mornings they have always attended');
		// Monday mornings were missed twice: not offered for a routine visit.
		expect(result.slots.some((s) => DateTime.fromISO(s.startsAt, { zone: testClinicZone }).weekday === 1 && DateTime.fromISO(s.startsAt, { zone: testClinicZone }).hour < 12)).toBe(false);
		// Sorted by score.
		expect(result.slots.map((s) => s.score)).toEqual([...result.slots.map((s) => s.score)].sort((a, b) => b - a));
	});

	it('puts the soonest slot within capacity first when the need is urgent, and keeps to the next days', async () => {
		const urgent = await recommend(clinic.actors.frontDesk, 'urgent');
		const [soonest] = await findSlots(database.db, { appointmentTypeId: clinic.types.inPerson.id, from: now, to: new Date(now.getTime() + 3 * 86_400_000), now, limit: 1 });
		expect(urgent.slots[0]!.startsAt).toBe(soonest!.startsAt);
		expect(urgent.slots[0]!.practitionerId).toBe(soonest!.practitionerId);
		expect(urgent.slots[0]!.reason).toMatch(/^Soonest with /);
		const routine = await recommend(clinic.actors.frontDesk, 'routine');
		const latest = (slots: { startsAt: string }[]) => Math.max(...slots.map((s) => Date.parse(s.startsAt)));
		expect(latest(urgent.slots)).toBeLessThanOrEqual(now.getTime() + 3 * 86_400_000);
		expect(latest(urgent.slots)).toBeLessThan(latest(routine.slots));
	});

	it('weighs the predicted no-show risk once a model is trained', async () => {
		// A model that says: long lead times raise the risk (one standardised unit per log-day).
		await database.db.insert(noShowModels).values({
			features: ['leadTime'],
			parameters: { weights: { leadTime: 1.2 }, intercept: -2, scaling: { leadTime: { mean: 2, sd: 1 } } },
			auc: 0.7,
			trainCount: 100,
			testCount: 25,
			baseRate: 0.12
		});
		const result = await recommend(clinic.actors.frontDesk, 'soon');
		expect(result.modelUsed).toBe(true);
		for (const slot of result.slots) {
			expect(slot.risk).toBeGreaterThan(0);
			expect(slot.risk).toBeLessThan(1);
		}
		expect(result.slots.some((s) => /no-show risk \(\d+ %\)/.test(s.reason))).toBe(true);
	});

	it('speaks to the patient in the portal', async () => {
		const result = await recommend(clinic.actors.patient, 'routine');
		expect(result.slots[0]!.reason).toContain('your usual physician');
	});

	it('refuses roles that cannot book and people with no tie to the patient, and audits each answer', async () => {
		const billing = { ...clinic.actors.frontDesk, role: 'billing' as const };
		await expect(recommend(billing, 'routine')).rejects.toBeInstanceOf(AccessDenied);
		await expect(
			recommendSlots(database.db, clinic.actors.patient, { patientId: clinic.patients.tom.id, appointmentTypeId: clinic.types.inPerson.id, urgency: 'routine', now })
		).rejects.toBeInstanceOf(AccessDenied);
		const events = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'schedule.recommend')));
		expect(events.filter((e) => e.outcome === 'denied')).toHaveLength(2);
		expect(events.filter((e) => e.outcome === 'success').length).toBeGreaterThan(0);
	});
});
