import { and, asc, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../client';
import {
	appointmentReminders,
	appointments,
	appointmentTypes,
	availabilityRules,
	careTeamMembers,
	careTeams,
	patients,
	type AppointmentModality,
	type NewAppointment,
	type NewAppointmentReminder,
	type ReminderResponse
} from '../schema/index';
import { insertInBatches } from './batch-insert';
import { SeededRandom, clamp } from './random';
import type { DemoScheduleInput } from './scheduling-demo';

/**
 * Eighteen months of past appointments for the demo clinic, with the outcomes a real clinic sees
 * (completed, no-show, cancelled) and the patients' answers to reminders. The no-show odds are
 * drawn from a planted model — lead time, earlier no-shows, age, weekday, hour, type of visit and
 * the reminder answer all move them — so the clinic's no-show model has something true to find,
 * and the analytics show reminders that help. Deterministic for one seed and one "now".
 *
 * Visits fall inside each provider's weekly hours and never overlap one another or a visit that
 * is already booked (the exclusion constraint on appointments would refuse the load).
 */

const historyMonths = 18;
/** Visits per patient over the history; the demo's 200 patients make some 1,600 rows. */
const visitsPerPatient = 8;
const maxVisits = 3000;
const cellMinutes = 15;

interface Window {
	weekday: number;
	locationId: string;
	startMinute: number;
	endMinute: number;
	timeZone: string;
	modalities: AppointmentModality[];
	validFrom: string | null;
	validUntil: string | null;
}

interface TypeInfo {
	id: string;
	modality: AppointmentModality;
	durationMinutes: number;
	bufferMinutes: number;
}

/** The planted no-show odds (log-odds); exported for the model's tests and the README. */
export function plantedNoShowLogit(visit: {
	leadDays: number;
	priorNoShows: number;
	age: number;
	weekday: number;
	hour: number;
	modality: AppointmentModality;
	durationMinutes: number;
	reminder: ReminderResponse | 'no_answer' | 'not_reminded';
	patientTendency: number;
}): number {
	let logit = -2.5;
	logit += 0.45 * (Math.log1p(visit.leadDays) - 2);
	logit += 0.55 * Math.min(visit.priorNoShows, 3);
	if (visit.age >= 18 && visit.age < 30) logit += 0.5;
	else if (visit.age >= 65) logit -= 0.45;
	if (visit.weekday === 1) logit += 0.35;
	if (visit.weekday === 5) logit += 0.3;
	if (visit.hour < 9) logit += 0.35;
	if (visit.hour >= 16) logit += 0.4;
	if (visit.modality === 'telehealth') logit -= 0.3;
	if (visit.durationMinutes >= 40) logit += 0.2;
	const reminderEffect = { confirmed: -1.3, reschedule_requested: 0.3, cancelled: 0, no_answer: 0.25, not_reminded: 0.45 } as const;
	logit += reminderEffect[visit.reminder];
	return logit + visit.patientTendency;
}

export async function seedAppointmentHistory(tx: Database, input: DemoScheduleInput): Promise<{ pastAppointments: number }> {
	const types = (await tx.select().from(appointmentTypes).where(eq(appointmentTypes.active, true)).orderBy(asc(appointmentTypes.name))).map(
		(t): TypeInfo => ({ id: t.id, modality: t.modality, durationMinutes: t.durationMinutes, bufferMinutes: t.bufferMinutes })
	);
	if (types.length === 0 || input.patientIds.length === 0 || input.practitioners.length === 0) return { pastAppointments: 0 };
	const practitionerIds = input.practitioners.map((p) => p.id);
	const windows = await loadWindows(tx, input);
	const providers = practitionerIds.filter((id) => (windows.get(id) ?? []).length > 0);
	if (providers.length === 0) return { pastAppointments: 0 };

	const patientRows = await tx
		.select({ id: patients.id, birthDate: patients.birthDate, language: patients.preferredLanguage, prefs: patients.communicationPreferences })
		.from(patients)
		.where(inArray(patients.id, input.patientIds));
	const primaries = new Map(
		(
			await tx
				.select({ patientId: careTeams.patientId, practitionerId: careTeamMembers.practitionerId })
				.from(careTeamMembers)
				.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
				.where(and(inArray(careTeams.patientId, input.patientIds), eq(careTeamMembers.role, 'primary')))
		).map((r) => [r.patientId, r.practitionerId])
	);

	// Time the calendars already hold (upcoming visits seeded before this), in 15-minute cells.
	const busy = new Map<string, Set<number>>(providers.map((id) => [id, new Set<number>()]));
	const existing = await tx
		.select({ practitionerId: appointments.practitionerId, startsAt: appointments.startsAt, occupiedUntil: appointments.occupiedUntil, status: appointments.status })
		.from(appointments)
		.where(inArray(appointments.practitionerId, providers));
	for (const row of existing) if (row.status !== 'cancelled') markCells(busy.get(row.practitionerId), row.startsAt, row.occupiedUntil);

	const rng = new SeededRandom(input.seed * 7919 + 6);
	const end = DateTime.fromJSDate(input.now, { zone: input.clinicTimeZone }).startOf('day');
	const start = end.minus({ months: historyMonths });
	const spanDays = Math.floor(end.diff(start, 'days').days);
	// Reminders came in gradually: a quarter of visits in the first months, most of them later.
	const reminderShare = (day: number) => (day < spanDays / 3 ? 0.3 : 0.8);
	const perPatient = Math.max(1, Math.min(visitsPerPatient, Math.floor(maxVisits / patientRows.length)));

	const rows: NewAppointment[] = [];
	const reminderRows: NewAppointmentReminder[] = [];
	// In the plan's order (ids may be random in tests): the draws follow the same patients every time.
	const order = new Map(input.patientIds.map((id, i) => [id, i]));
	for (const patient of [...patientRows].sort((a, b) => order.get(a.id)! - order.get(b.id)!)) {
		const tendency = rng.normal(0, 0.6);
		const primary = primaries.get(patient.id);
		const usual = primary && providers.includes(primary) ? primary : rng.pick(providers);
		const preferredWeekday = rng.int(1, 5);
		const prefersMorning = rng.chance(0.5);
		const visitCount = clamp(Math.round(rng.normal(perPatient, perPatient / 3)), 1, perPatient * 2);
		const days = Array.from({ length: visitCount }, () => rng.int(0, spanDays - 1)).sort((a, b) => a - b);
		let priorNoShows = 0;
		for (const dayOffset of days) {
			const practitionerId = rng.chance(0.75) ? usual : rng.pick(providers);
			const type = rng.weighted(types.map((t) => [t, t.durationMinutes >= 40 ? 1 : t.modality === 'telehealth' ? 2 : 4] as const));
			const placed = placeVisit(rng, {
				day: start.plus({ days: dayOffset }),
				windows: (windows.get(practitionerId) ?? []).filter((w) => w.modalities.includes(type.modality)),
				cells: busy.get(practitionerId)!,
				type,
				preferredWeekday: rng.chance(0.7) ? preferredWeekday : null,
				prefersMorning,
				before: end
			});
			if (!placed) continue;
			const { startsAt, locationId } = placed;
			const local = DateTime.fromJSDate(startsAt, { zone: placed.timeZone });
			const leadDays = rng.weighted([
				[rng.int(0, 3), 3],
				[rng.int(4, 21), 4],
				[rng.int(22, 90), 3]
			] as const);
			const bookedAt = new Date(startsAt.getTime() - leadDays * 86_400_000 - rng.int(1, 8) * 3_600_000);
			const age = DateTime.fromJSDate(startsAt).diff(DateTime.fromISO(patient.birthDate), 'years').years;
			const reminded = rng.chance(reminderShare(dayOffset)) && leadDays >= 1;
			let response: ReminderResponse | null = null;
			if (reminded) {
				// Reliable patients answer, and confirm, more often.
				const answer = rng.next() - tendency * 0.15;
				response = answer < 0.55 ? 'confirmed' : answer < 0.6 ? 'reschedule_requested' : answer < 0.67 ? 'cancelled' : null;
			}
			const endsAt = new Date(startsAt.getTime() + type.durationMinutes * 60_000);
			const occupiedUntil = new Date(endsAt.getTime() + type.bufferMinutes * 60_000);
			const id = rng.uuid();
			const base: NewAppointment = {
				id,
				patientId: patient.id,
				practitionerId,
				locationId,
				appointmentTypeId: type.id,
				modality: type.modality,
				startsAt,
				endsAt,
				occupiedUntil,
				urgency: rng.weighted([
					['routine', 8],
					['soon', 2],
					['urgent', 1]
				] as const),
				bookedVia: rng.chance(0.3) ? 'portal' : 'staff',
				createdAt: bookedAt,
				updatedAt: bookedAt
			};
			const respondedAt = response ? new Date(startsAt.getTime() - rng.int(3, 30) * 3_600_000) : null;
			if (response) Object.assign(base, { reminderResponse: response, reminderRespondedAt: respondedAt });
			if (response === 'confirmed') base.confirmedAt = respondedAt;

			if (response === 'cancelled' || rng.chance(0.07)) {
				const cancelledAt = respondedAt ?? new Date(startsAt.getTime() - rng.int(2, 72) * 3_600_000);
				rows.push({ ...base, status: 'cancelled', cancelledAt, cancellationReason: 'Patient cancelled', updatedAt: cancelledAt });
			} else {
				const logit = plantedNoShowLogit({
					leadDays,
					priorNoShows,
					age,
					weekday: local.weekday,
					hour: local.hour,
					modality: type.modality,
					durationMinutes: type.durationMinutes,
					reminder: reminded ? (response ?? 'no_answer') : 'not_reminded',
					patientTendency: tendency
				});
				const noShow = rng.chance(1 / (1 + Math.exp(-logit)));
				markCells(busy.get(practitionerId), startsAt, occupiedUntil);
				if (noShow) {
					priorNoShows += 1;
					const noShowAt = new Date(startsAt.getTime() + 20 * 60_000);
					rows.push({ ...base, status: 'no_show', noShowAt, updatedAt: noShowAt });
				} else {
					const checkedInAt = new Date(startsAt.getTime() - rng.int(0, 15) * 60_000);
					rows.push({ ...base, status: 'completed', checkedInAt, completedAt: endsAt, updatedAt: endsAt });
				}
			}
			if (reminded) {
				const channels: { channel: 'email' | 'sms'; leadHours: number }[] = [];
				if (patient.prefs.email !== false) channels.push({ channel: 'email', leadHours: 24 });
				if (patient.prefs.sms) channels.push({ channel: 'sms', leadHours: 2 });
				if (channels.length === 0) channels.push({ channel: 'email', leadHours: 24 });
				for (const { channel, leadHours } of channels) {
					const dueAt = new Date(startsAt.getTime() - leadHours * 3_600_000);
					if (dueAt <= bookedAt) continue;
					reminderRows.push({
						id: rng.uuid(),
						appointmentId: id,
						channel,
						leadHours,
						forStartsAt: startsAt,
						dueAt,
						language: patient.language,
						status: 'queued',
						queuedAt: dueAt,
						createdAt: bookedAt,
						updatedAt: dueAt
					});
				}
			}
		}
	}
	await insertInBatches(tx, appointments, rows);
	await insertInBatches(tx, appointmentReminders, reminderRows);
	return { pastAppointments: rows.length };
}

async function loadWindows(tx: Database, input: DemoScheduleInput): Promise<Map<string, Window[]>> {
	const rules = await tx
		.select()
		.from(availabilityRules)
		.where(inArray(availabilityRules.practitionerId, input.practitioners.map((p) => p.id)))
		.orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startMinute), asc(availabilityRules.locationId));
	const byProvider = new Map<string, Window[]>();
	for (const rule of rules) {
		const list = byProvider.get(rule.practitionerId) ?? [];
		list.push(windowOf(rule));
		byProvider.set(rule.practitionerId, list);
	}
	return byProvider;
}

function windowOf(rule: typeof availabilityRules.$inferSelect): Window {
	return {
		weekday: rule.weekday,
		locationId: rule.locationId,
		startMinute: rule.startMinute,
		endMinute: rule.endMinute,
		timeZone: rule.timeZone,
		modalities: rule.modalities,
		validFrom: rule.validFrom,
		validUntil: rule.validUntil
	};
}

function markCells(cells: Set<number> | undefined, from: Date, until: Date): void {
	if (!cells) return;
	const size = cellMinutes * 60_000;
	for (let cell = Math.floor(from.getTime() / size); cell * size < until.getTime(); cell += 1) cells.add(cell);
}

function cellsFree(cells: Set<number>, from: Date, until: Date): boolean {
	const size = cellMinutes * 60_000;
	for (let cell = Math.floor(from.getTime() / size); cell * size < until.getTime(); cell += 1) if (cells.has(cell)) return false;
	return true;
}

/**
 * The first day from `day` (up to two weeks on) on which the provider works and has room, and a
 * free start on it — in the morning or afternoon the patient likes when there is one.
 */
function placeVisit(
	rng: SeededRandom,
	args: {
		day: DateTime;
		windows: Window[];
		cells: Set<number>;
		type: TypeInfo;
		preferredWeekday: number | null;
		prefersMorning: boolean;
		before: DateTime;
	}
): { startsAt: Date; locationId: string; timeZone: string } | null {
	const holdMinutes = args.type.durationMinutes + args.type.bufferMinutes;
	for (let shift = 0; shift < 14; shift += 1) {
		const day = args.day.plus({ days: shift });
		if (day >= args.before) return null;
		if (args.preferredWeekday !== null && shift < 7 && day.weekday !== args.preferredWeekday) continue;
		const iso = day.toISODate()!;
		const todays = args.windows.filter((w) => w.weekday === day.weekday && (!w.validFrom || w.validFrom <= iso) && (!w.validUntil || w.validUntil >= iso));
		const candidates: { startsAt: Date; locationId: string; timeZone: string; morning: boolean }[] = [];
		for (const w of todays) {
			// Working hours lie after the small-hours daylight-saving change, so noon's offset holds for them.
			const offset = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: 12 }, { zone: w.timeZone }).offset;
			const localMidnight = Date.UTC(day.year, day.month - 1, day.day) - offset * 60_000;
			for (let minute = w.startMinute; minute + args.type.durationMinutes <= w.endMinute; minute += cellMinutes) {
				const startsAt = new Date(localMidnight + minute * 60_000);
				if (startsAt.getTime() >= args.before.toMillis()) continue;
				if (!cellsFree(args.cells, startsAt, new Date(startsAt.getTime() + holdMinutes * 60_000))) continue;
				candidates.push({ startsAt, locationId: w.locationId, timeZone: w.timeZone, morning: minute < 12 * 60 });
			}
		}
		if (candidates.length === 0) continue;
		const liked = candidates.filter((c) => c.morning === args.prefersMorning);
		const pool = liked.length > 0 && rng.chance(0.8) ? liked : candidates;
		const chosen = rng.pick(pool);
		return { startsAt: chosen.startsAt, locationId: chosen.locationId, timeZone: chosen.timeZone };
	}
	return null;
}
