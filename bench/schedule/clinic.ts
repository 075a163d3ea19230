/**
 * The benchmark's clinic: 50 providers at two locations in America/New_York, each with weekday
 * hours (a morning and an afternoon stretch, some variety), two appointment types, 2,000
 * patients and booked visits filling about 60% of the next 90 days' working time (plus a few
 * blocks). Loaded with multi-row inserts, no audit, then ANALYZE.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../db/client';
import {
	appointments,
	appointmentTypes,
	availabilityExceptions,
	availabilityRules,
	clinics,
	locations,
	patients,
	practitioners,
	schedulingSettings,
	users,
	type AppointmentType,
	type NewAppointment,
	type NewAvailabilityRule
} from '../../db/schema/index';
import { insertInBatches } from '../../db/seed/batch-insert';
import { SeededRandom } from '../../db/seed/random';
import type { Actor } from '../../app/lib/server/access/actor';

export const zone = 'America/New_York';

export interface BenchClinic {
	practitionerIds: string[];
	patientIds: string[];
	followUp: AppointmentType;
	newPatient: AppointmentType;
	admin: Actor;
	appointments: number;
	/** Share of working minutes held by booked visits (with their buffers). */
	fill: number;
}

export async function loadBenchClinic(db: Database, options: { providers: number; days: number; patients: number; fill: number; now: Date; seed: number }): Promise<BenchClinic> {
	const random = new SeededRandom(options.seed);
	const [clinic] = await db.insert(clinics).values({ name: 'Bench Clinic', timeZone: zone }).returning();
	const [main, north] = await db
		.insert(locations)
		.values([
			{ clinicId: clinic!.id, name: 'Main', timeZone: zone },
			{ clinicId: clinic!.id, name: 'North', timeZone: zone }
		])
		.returning();
	await db.insert(schedulingSettings).values({ clinicId: clinic!.id });
	const [followUp, newPatient] = await db
		.insert(appointmentTypes)
		.values([
			{ name: 'Follow-up', modality: 'in_person', durationMinutes: 20, bufferMinutes: 5 },
			{ name: 'New patient visit', modality: 'in_person', durationMinutes: 40, bufferMinutes: 10 }
		])
		.returning();
	const practitionerRows = Array.from({ length: options.providers }, (_, i) => ({
		id: randomUUID(),
		kind: 'physician' as const,
		givenName: random.faker.person.firstName(),
		familyName: random.faker.person.lastName(),
		credentials: 'MD',
		primaryLocationId: i % 2 ? north!.id : main!.id
	}));
	await insertInBatches(db, practitioners, practitionerRows);
	const patientRows = Array.from({ length: options.patients }, (_, i) => ({
		id: randomUUID(),
		mrn: String(90_000_000 + i),
		givenName: random.faker.person.firstName(),
		familyName: random.faker.person.lastName(),
		birthDate: '1970-01-01',
		sex: 'female' as const
	}));
	await insertInBatches(db, patients, patientRows, 1000);
	const [adminUser] = await db.insert(users).values({ email: 'admin@bench.example', displayName: 'Bench Admin', passwordHash: 'x', role: 'clinic_admin' }).returning();

	// Hours: a morning and an afternoon, Monday to Friday, starting 08:00–09:00.
	const rules: NewAvailabilityRule[] = [];
	const hours = new Map<string, { locationId: string; stretches: { weekday: number; start: number; end: number }[] }>();
	for (const p of practitionerRows) {
		const start = 8 * 60 + random.pick([0, 30, 60]);
		const stretches: { weekday: number; start: number; end: number }[] = [];
		for (let weekday = 1; weekday <= 5; weekday++) {
			stretches.push({ weekday, start, end: start + 240 });
			stretches.push({ weekday, start: start + 300, end: start + 300 + random.pick([180, 210, 240]) });
		}
		hours.set(p.id, { locationId: p.primaryLocationId, stretches });
		for (const s of stretches) rules.push({ practitionerId: p.id, locationId: p.primaryLocationId, weekday: s.weekday, startMinute: s.start, endMinute: s.end, timeZone: zone });
	}
	await insertInBatches(db, availabilityRules, rules);

	// Booked visits: walk each stretch; at each point book a visit with probability ~fill, else leave 15 minutes free.
	const rows: NewAppointment[] = [];
	let heldMinutes = 0;
	let workMinutes = 0;
	const today = DateTime.fromJSDate(options.now, { zone }).startOf('day');
	const types = [followUp!, followUp!, newPatient!];
	for (const p of practitionerRows) {
		const h = hours.get(p.id)!;
		for (let d = 0; d < options.days; d++) {
			const day = today.plus({ days: d });
			for (const s of h.stretches) {
				if (s.weekday !== day.weekday) continue;
				workMinutes += s.end - s.start;
				let cursor = s.start;
				while (cursor < s.end) {
					const type = random.pick(types);
					const heldFor = type.durationMinutes + type.bufferMinutes;
					// Probability tuned so the share of held time comes out near `fill`.
					if (random.chance(options.fill * 0.75) && cursor + heldFor <= s.end) {
						const startsAt = day.set({ hour: Math.floor(cursor / 60), minute: cursor % 60 }).toJSDate();
						if (startsAt.getTime() > options.now.getTime()) {
							rows.push({
								patientId: random.pick(patientRows).id,
								practitionerId: p.id,
								locationId: h.locationId,
								appointmentTypeId: type.id,
								modality: 'in_person',
								startsAt,
								endsAt: new Date(startsAt.getTime() + type.durationMinutes * 60_000),
								occupiedUntil: new Date(startsAt.getTime() + heldFor * 60_000),
								status: random.chance(0.3) ? 'confirmed' : 'booked',
								bookedVia: 'staff'
							});
							heldMinutes += heldFor;
						}
						cursor += heldFor;
					} else cursor += 15;
				}
			}
		}
	}
	await insertInBatches(db, appointments, rows, 1000);
	// A few blocks: one afternoon off per provider somewhere in the range.
	await insertInBatches(
		db,
		availabilityExceptions,
		practitionerRows.map((p) => {
			const day = today.plus({ days: random.int(1, options.days - 1) }).set({ hour: 13 });
			return { practitionerId: p.id, kind: 'block' as const, category: 'personal' as const, startsAt: day.toJSDate(), endsAt: day.plus({ hours: 5 }).toJSDate(), reason: '' };
		})
	);
	await db.execute(sql`analyze`);
	return {
		practitionerIds: practitionerRows.map((p) => p.id),
		patientIds: patientRows.map((p) => p.id),
		followUp: followUp!,
		newPatient: newPatient!,
		admin: {
			userId: adminUser!.id,
			role: 'clinic_admin',
			displayName: 'Bench Admin',
			practitionerId: null,
			patientId: null,
			sessionId: randomUUID(),
			sourceAddress: '127.0.0.1',
			requestId: null
		},
		appointments: rows.length,
		fill: workMinutes ? heldMinutes / workMinutes : 0
	};
}
