/**
 * The scheduling test clinic, shared by every issue-6 integration test: the access tests' clinic
 * (createTestClinic: Dr. Ruiz on Maria Lopez's care team, Dr. Okafor, nurse Patel, front desk,
 * admin, Maria's patient account, a records proxy and an appointments proxy) plus:
 *  - the clinic in America/New_York (default language English), two locations (Main Street,
 *    Northgate), both in New York's zone;
 *  - weekly hours: Dr. Ruiz Mon–Fri 09:00–17:00 at Main Street (both modalities); Dr. Okafor
 *    Mon–Fri 09:00–12:00 and 13:00–17:00 at Northgate (both); nurse Patel Mon–Fri 08:00–12:00
 *    at Main Street (in person only);
 *  - appointment types "Office visit" (in person 30 + 10) and "Telehealth visit" (20 + 0), plus
 *    "Staff-only procedure" (in person 60 + 15, not portal-bookable);
 *  - scheduling settings: 15-minute grid, minimum notice 2 h, horizon 90 days, email 24 h, SMS 2 h;
 *  - patients: Maria Lopez prefers Spanish ('es', email + SMS), Tom Baker Portuguese ('pt',
 *    email only), both with email addresses and phone numbers.
 * Test-only; nothing in the app imports it.
 */
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../../../db/client';
import { appointmentTypes, availabilityRules, clinics, locations, patients, practitioners, schedulingSettings, users, type AppointmentType } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { createTestClinic, type TestClinic } from '../access/test-clinic';

export const testClinicZone = 'America/New_York';

export interface SchedulingTestClinic extends TestClinic {
	clinicId: string;
	locations: { main: string; northgate: string };
	practitioners: { ruiz: string; okafor: string; patel: string };
	types: { inPerson: AppointmentType; telehealth: AppointmentType; staffOnly: AppointmentType };
	patients: {
		maria: { id: string; email: string; phone: string; language: 'es' };
		tom: { id: string; email: string; phone: string; language: 'pt' };
	};
}

export async function createSchedulingTestClinic(db: Database, passwordHash?: string): Promise<SchedulingTestClinic> {
	const base = await createTestClinic(db, passwordHash);
	const [clinic] = await db.select({ id: clinics.id }).from(clinics).limit(1);
	const clinicId = clinic!.id;
	const [main, northgate] = await db
		.insert(locations)
		.values([
			{ clinicId, name: 'Main Street', addressLine: '12 Main St', city: 'Riverside', region: 'NY', timeZone: testClinicZone },
			{ clinicId, name: 'Northgate', addressLine: '400 North Ave', city: 'Riverside', region: 'NY', timeZone: testClinicZone }
		])
		.returning();
	const staffPractitioner = async (actor: Actor) => {
		const [row] = await db.select({ id: users.practitionerId }).from(users).where(eq(users.id, actor.userId));
		return row!.id!;
	};
	const ruiz = await staffPractitioner(base.actors.teamPhysician);
	const okafor = await staffPractitioner(base.actors.outsidePhysician);
	const patel = await staffPractitioner(base.actors.outsideNurse);
	await db.update(practitioners).set({ primaryLocationId: main!.id }).where(eq(practitioners.id, ruiz));
	await db.update(practitioners).set({ primaryLocationId: northgate!.id }).where(eq(practitioners.id, okafor));
	await db.update(practitioners).set({ primaryLocationId: main!.id }).where(eq(practitioners.id, patel));

	const weekdays = [1, 2, 3, 4, 5];
	const rule = (practitionerId: string, locationId: string, start: string, end: string, modalities: ('in_person' | 'telehealth')[] = ['in_person', 'telehealth']) =>
		weekdays.map((weekday) => ({ practitionerId, locationId, weekday, startMinute: clock(start), endMinute: clock(end), timeZone: testClinicZone, modalities }));
	await db.insert(availabilityRules).values([
		...rule(ruiz, main!.id, '09:00', '17:00'),
		...rule(okafor, northgate!.id, '09:00', '12:00'),
		...rule(okafor, northgate!.id, '13:00', '17:00'),
		...rule(patel, main!.id, '08:00', '12:00', ['in_person'])
	]);
	const [inPerson, telehealth, staffOnly] = await db
		.insert(appointmentTypes)
		.values([
			{ name: 'Office visit', modality: 'in_person', durationMinutes: 30, bufferMinutes: 10, description: 'A visit at the clinic.' },
			{ name: 'Telehealth visit', modality: 'telehealth', durationMinutes: 20, bufferMinutes: 0, description: 'A video visit.' },
			{ name: 'Staff-only procedure', modality: 'in_person', durationMinutes: 60, bufferMinutes: 15, portalBookable: false }
		])
		.returning();
	await db.insert(schedulingSettings).values({ clinicId }).onConflictDoNothing();

	const maria = { id: base.patientId, email: 'maria.lopez@example.org', phone: '+15555550101', language: 'es' as const };
	const tom = { id: base.otherPatientId, email: 'tom.baker@example.org', phone: '+15555550102', language: 'pt' as const };
	await db
		.update(patients)
		.set({ email: maria.email, phone: maria.phone, preferredLanguage: 'es', communicationPreferences: { email: true, sms: true, reminderLeadHours: [] } })
		.where(eq(patients.id, maria.id));
	await db
		.update(patients)
		.set({ email: tom.email, phone: tom.phone, preferredLanguage: 'pt', communicationPreferences: { email: true, sms: false, reminderLeadHours: [] } })
		.where(eq(patients.id, tom.id));
	return {
		...base,
		clinicId,
		locations: { main: main!.id, northgate: northgate!.id },
		practitioners: { ruiz, okafor, patel },
		types: { inPerson: inPerson!, telehealth: telehealth!, staffOnly: staffOnly! },
		patients: { maria, tom }
	};
}

function clock(hhmm: string): number {
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	return h * 60 + m;
}

/**
 * A weekday (Mon–Fri) at least `minDaysAhead` days after today in the clinic's zone, at a local
 * wall-clock time: `clinicWeekdayAt(2, '10:00')`. Tests book there, inside everyone's hours.
 */
export function clinicWeekdayAt(minDaysAhead: number, hhmm: string, now = new Date()): Date {
	let day = DateTime.fromJSDate(now, { zone: testClinicZone }).startOf('day').plus({ days: minDaysAhead });
	while (day.weekday > 5) day = day.plus({ days: 1 });
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	return day.set({ hour: h, minute: m }).toJSDate();
}

/** The local date ('YYYY-MM-DD') of an instant in the test clinic's zone. */
export function clinicDate(date: Date): string {
	return DateTime.fromJSDate(date, { zone: testClinicZone }).toISODate()!;
}
