import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { appointmentReminders, appointments, appointmentTypes, auditEvents, clinics, locations, practitioners, type AppointmentStatus } from '../../../../db/schema/index';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { AccessDenied } from '../access/errors';
import { analyticsFilterOptions, monthlyReport, scheduleAnalytics } from './analytics';

const zone = 'America/New_York';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toJSDate();

/**
 * A small known month pair (March and April 2025, across the spring daylight-saving change),
 * with every rate worked out by hand in the comments.
 *
 *  A1 Mon 03-03 10:00 Ruiz   completed  confirmed  reminded
 *  A2 Mon 03-03 11:00 Ruiz   no-show               reminded
 *  A3 Tue 03-04 10:00 Ruiz   completed
 *  A4 Wed 03-05 14:00 Ruiz   cancelled
 *  A5 Thu 03-06 10:00 Okafor completed  confirmed  reminded
 *  B1 Mon 04-07 10:00 Ruiz   no-show
 *  B2 Tue 04-08 15:00 Ruiz   checked in confirmed  reminded
 *  C1 Fri 05-02 10:00 Ruiz   completed  (outside the range)
 */
describe.each(testDatabaseKinds)('scheduling analytics on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	let okaforId: string;
	const range = { from: at('2025-03-01T00:00'), to: at('2025-05-01T00:00') };

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const db = database.db;
		clinic = await createTestClinic(db);
		const [clinicRow] = await db.select().from(clinics);
		const [location] = await db.insert(locations).values({ clinicId: clinicRow!.id, name: 'Main', timeZone: zone }).returning();
		const [type] = await db.insert(appointmentTypes).values({ name: 'Follow-up', modality: 'in_person', durationMinutes: 30 }).returning();
		const doctors = await db.select().from(practitioners);
		const ruiz = doctors.find((p) => p.familyName === 'Ruiz')!.id;
		okaforId = doctors.find((p) => p.familyName === 'Okafor')!.id;
		const visit = (startIso: string, practitionerId: string, status: AppointmentStatus, confirmed: boolean, reminded: boolean) => ({
			startIso,
			reminded,
			row: {
				patientId: clinic.patientId,
				practitionerId,
				locationId: location!.id,
				appointmentTypeId: type!.id,
				modality: 'in_person' as const,
				startsAt: at(startIso),
				endsAt: at(startIso).getTime() + 30 * 60_000,
				status,
				bookedVia: 'staff' as const,
				confirmedAt: confirmed ? at(startIso).getTime() - 86_400_000 : null
			}
		});
		const visits = [
			visit('2025-03-03T10:00', ruiz, 'completed', true, true),
			visit('2025-03-03T11:00', ruiz, 'no_show', false, true),
			visit('2025-03-04T10:00', ruiz, 'completed', false, false),
			visit('2025-03-05T14:00', ruiz, 'cancelled', false, false),
			visit('2025-03-06T10:00', okaforId, 'completed', true, true),
			visit('2025-04-07T10:00', ruiz, 'no_show', false, false),
			visit('2025-04-08T15:00', ruiz, 'checked_in', true, true),
			visit('2025-05-02T10:00', ruiz, 'completed', false, true)
		];
		for (const v of visits) {
			const endsAt = new Date(v.row.endsAt);
			const [row] = await db
				.insert(appointments)
				.values({ ...v.row, endsAt, occupiedUntil: endsAt, confirmedAt: v.row.confirmedAt === null ? null : new Date(v.row.confirmedAt) })
				.returning();
			if (v.reminded) {
				await db.insert(appointmentReminders).values({
					appointmentId: row!.id,
					channel: 'email',
					leadHours: 24,
					forStartsAt: row!.startsAt,
					dueAt: new Date(row!.startsAt.getTime() - 86_400_000),
					language: 'en',
					status: 'queued'
				});
			}
		}
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('counts volumes and rates over the range, in the clinic’s months', async () => {
		const result = await scheduleAnalytics(database.db, clinic.actors.admin, { ...range, granularity: 'month' });
		expect(result.timeZone).toBe(zone);
		// Booked 7 (C1 is outside); attended A1 A3 A5 B2 = 4; no-shows A2 B1 = 2; settled 6.
		expect(result.totals).toMatchObject({ booked: 7, attended: 4, completed: 3, noShows: 2, cancelled: 1, confirmed: 3 });
		expect(result.totals.noShowRate).toBeCloseTo(2 / 6);
		expect(result.totals.attendanceRate).toBeCloseTo(4 / 6);
		// Confirmed A1 A5 B2 of the 6 not cancelled.
		expect(result.totals.confirmationRate).toBeCloseTo(3 / 6);
		expect(result.totals.cancellationRate).toBeCloseTo(1 / 7);
		expect(result.volumes.map((v) => [v.period, v.booked, v.noShows])).toEqual([
			['2025-03-01', 5, 1],
			['2025-04-01', 2, 1]
		]);
	});

	it('compares attendance with and without reminders, and by weekday and hour', async () => {
		const result = await scheduleAnalytics(database.db, clinic.actors.admin, { ...range, granularity: 'week' });
		// With a reminder: A1 A2 A5 B2 settled, 3 attended. Without: A3 B1, 1 attended.
		expect(result.reminders.withReminder).toEqual({ settled: 4, attended: 3, attendanceRate: 0.75 });
		expect(result.reminders.withoutReminder).toEqual({ settled: 2, attended: 1, attendanceRate: 0.5 });
		const monday = result.byWeekday.find((d) => d.weekday === 1)!;
		expect(monday).toMatchObject({ booked: 3, settled: 3, noShows: 2 });
		expect(monday.noShowRate).toBeCloseTo(2 / 3);
		expect(result.byWeekday.find((d) => d.weekday === 3)).toMatchObject({ booked: 1, settled: 0, noShowRate: null });
		// Local hours, on both sides of the change to daylight time.
		expect(result.byHour.map((h) => [h.hour, h.settled, h.noShows])).toEqual([
			[10, 4, 1],
			[11, 1, 1],
			[14, 0, 0],
			[15, 1, 0]
		]);
		// Weeks start on Monday; the range's first week starts before it, on 24 February.
		expect(result.volumes[0]!.period).toBe('2025-02-24');
		expect(result.volumes.find((v) => v.period === '2025-03-03')).toMatchObject({ booked: 5, noShows: 1 });
	});

	it('filters by provider', async () => {
		const result = await scheduleAnalytics(database.db, clinic.actors.admin, { ...range, practitionerId: okaforId });
		expect(result.totals).toMatchObject({ booked: 1, attended: 1, noShows: 0, confirmed: 1 });
	});

	it('writes the monthly report with the busiest provider', async () => {
		const report = await monthlyReport(database.db, clinic.actors.admin, range);
		expect(report).toHaveLength(2);
		const [march, april] = report;
		expect(march).toMatchObject({ month: '2025-03', booked: 5, completed: 3, noShows: 1, cancelled: 1, confirmed: 2 });
		expect(march!.noShowRate).toBeCloseTo(1 / 4);
		expect(march!.confirmationRate).toBeCloseTo(2 / 4);
		expect(march!.busiestProvider).toMatchObject({ name: 'Ana Ruiz, MD', visits: 3 });
		expect(april).toMatchObject({ month: '2025-04', booked: 2, completed: 0, attended: 1, noShows: 1, cancelled: 0 });
		expect(april!.busiestProvider).toMatchObject({ name: 'Ana Ruiz, MD', visits: 2 });
		// Counts and staff names only: nothing of the patient.
		expect(JSON.stringify(report)).not.toMatch(/Maria|Lopez|20000001/);
	});

	it('refuses anyone but a clinic administrator, and audits the refusal and the view', async () => {
		for (const actor of [clinic.actors.frontDesk, clinic.actors.teamPhysician, clinic.actors.patient]) {
			await expect(scheduleAnalytics(database.db, actor, range)).rejects.toBeInstanceOf(AccessDenied);
			await expect(monthlyReport(database.db, actor, range)).rejects.toBeInstanceOf(AccessDenied);
			await expect(analyticsFilterOptions(database.db, actor)).rejects.toBeInstanceOf(AccessDenied);
		}
		const denied = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'schedule.analytics_view'), eq(auditEvents.outcome, 'denied'), eq(auditEvents.actorUserId, clinic.actors.frontDesk.userId)));
		expect(denied.length).toBeGreaterThanOrEqual(3);
		const viewed = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'schedule.analytics_view'), eq(auditEvents.outcome, 'success'), eq(auditEvents.actorUserId, clinic.actors.admin.userId)));
		expect(viewed.length).toBeGreaterThan(0);
		expect(viewed.every((e) => e.patientId === null)).toBe(true);
	});
});
