import { and, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../../../db/client';
import { appointments, careTeamMembers, careTeams, practitioners, type Urgency } from '../../../../db/schema/index';
import { isPortalUser, isStaff, type Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { authorizeAgent, authorizePatient } from '../access/patient-access';
import { roleMay } from '../access/policy';
import { recordAuditEvent } from '../audit/audit-log';
import { getAppointmentType } from './appointment-types';
import { SchedulingRefusal } from './errors';
import { latestNoShowModel, patientRiskContext, slotRisk } from './no-show-model';
import { clinicTimeZone } from './settings';
import { findSlotsOfType, type Slot } from './slots';

/**
 * The slot recommender: open slots within capacity (findSlots), ranked for one patient by
 *  - urgency: how soon (it weighs most for an urgent request, and the soonest slot always leads);
 *  - the patient's habits: their usual provider (care team's primary, then providers seen
 *    before), and the weekdays and times of day they have attended;
 *  - the no-show model's risk at that time (lead time, weekday, hour…), when a model is trained;
 *  - clinic load: lighter days first (booked visits per clinic day).
 * Each suggestion carries its score and the reason in plain words.
 */

export interface RecommendationRequest {
	patientId: string;
	appointmentTypeId: string;
	urgency: Urgency;
	/** Suggestions to return; default 5. */
	limit?: number;
	now?: Date;
}

export interface RecommendedSlot extends Slot {
	/** 0 … 1, higher is better. */
	score: number;
	/** "Soonest with Dr. Ana Ruiz, the patient's usual physician; Tuesday mornings they have always attended; lighter day" */
	reason: string;
	/** Predicted no-show probability at this slot, or null before a model is trained. */
	risk: number | null;
}

export interface Recommendations {
	slots: RecommendedSlot[];
	/** Whether a trained no-show model took part. */
	modelUsed: boolean;
	/** How far ahead was searched, in days. */
	searchedDays: number;
}

/** Days searched per urgency: an urgent need looks at the next days only, then wider if they are full. */
const windowDays: Record<Urgency, number[]> = { urgent: [3, 7, 14], soon: [14, 28], routine: [42, 90] };

const weights: Record<Urgency, { soon: number; provider: number; habit: number; risk: number; load: number }> = {
	urgent: { soon: 0.6, provider: 0.15, habit: 0.05, risk: 0.1, load: 0.1 },
	soon: { soon: 0.35, provider: 0.25, habit: 0.1, risk: 0.15, load: 0.15 },
	routine: { soon: 0.1, provider: 0.3, habit: 0.2, risk: 0.2, load: 0.2 }
};

type Audience = 'staff' | 'patient';
const weekdayNames = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
type Block = 'morning' | 'afternoon' | 'evening';
const blockOf = (hour: number): Block => (hour < 12 ? 'morning' : hour < 17 ? 'afternoon' : 'evening');

/** Staff via the patient's record (authorizePatient), a patient or proxy for themselves (scope 'appointments'). */
async function authorizeRecommendation(db: Database, actor: Actor, patientId: string): Promise<Audience> {
	if (isPortalUser(actor)) {
		await authorizeAgent(db, actor, patientId, { action: 'schedule.recommend', scope: 'appointments' });
		return 'patient';
	}
	if (!isStaff(actor) || !roleMay(actor.role, 'schedule.book')) {
		await recordAuditEvent(db, actor, { action: 'schedule.recommend', outcome: 'denied', patientId, resourceType: 'patient', resourceId: patientId, reason: `role ${actor.role}` });
		throw new AccessDenied('Your role does not allow booking appointments.');
	}
	await authorizePatient(db, actor, patientId, { action: 'schedule.recommend', require: ['demographics'] });
	return 'staff';
}

interface PatientHabits {
	primaryId: string | null;
	/** Visits kept with each provider. */
	providerVisits: Map<string, number>;
	attendedAt: Map<string, number>;
	missedAt: Map<string, number>;
	attendedTotal: number;
	kinds: Map<string, string>;
}

async function patientHabits(db: Database, patientId: string, zone: string, now: Date): Promise<PatientHabits> {
	const [primaryRows, history] = await Promise.all([
		db
			.select({ practitionerId: careTeamMembers.practitionerId })
			.from(careTeamMembers)
			.innerJoin(careTeams, eq(careTeams.id, careTeamMembers.careTeamId))
			.where(and(eq(careTeams.patientId, patientId), eq(careTeamMembers.role, 'primary')))
			.limit(1),
		db
			.select({ practitionerId: appointments.practitionerId, startsAt: appointments.startsAt, status: appointments.status })
			.from(appointments)
			.where(and(eq(appointments.patientId, patientId), lt(appointments.startsAt, now), inArray(appointments.status, ['completed', 'checked_in', 'no_show'])))
	]);
	const habits: PatientHabits = {
		primaryId: primaryRows[0]?.practitionerId ?? null,
		providerVisits: new Map(),
		attendedAt: new Map(),
		missedAt: new Map(),
		attendedTotal: 0,
		kinds: new Map()
	};
	for (const visit of history) {
		const local = DateTime.fromJSDate(visit.startsAt, { zone });
		const key = `${local.weekday}:${blockOf(local.hour)}`;
		if (visit.status === 'no_show') {
			habits.missedAt.set(key, (habits.missedAt.get(key) ?? 0) + 1);
			continue;
		}
		habits.attendedTotal += 1;
		habits.attendedAt.set(key, (habits.attendedAt.get(key) ?? 0) + 1);
		habits.providerVisits.set(visit.practitionerId, (habits.providerVisits.get(visit.practitionerId) ?? 0) + 1);
	}
	const ids = [...new Set([habits.primaryId, ...habits.providerVisits.keys()].filter((id): id is string => Boolean(id)))];
	if (ids.length > 0) {
		for (const row of await db.select({ id: practitioners.id, kind: practitioners.kind }).from(practitioners).where(inArray(practitioners.id, ids))) {
			habits.kinds.set(row.id, row.kind === 'physician' ? 'physician' : 'nurse');
		}
	}
	return habits;
}

/** Visits kept on the calendar per clinic day of the window (the clinic's load). */
async function dayLoads(db: Database, zone: string, from: Date, to: Date): Promise<Map<string, number>> {
	const day = sql<string>`to_char(${appointments.startsAt} at time zone ${zone}, 'YYYY-MM-DD')`;
	const rows = await db
		.select({ day, count: sql<number>`count(*)::int` })
		.from(appointments)
		.where(and(gte(appointments.startsAt, from), lt(appointments.startsAt, to), ne(appointments.status, 'cancelled')))
		.groupBy(sql`1`);
	return new Map(rows.map((r) => [r.day, Number(r.count)]));
}

export async function recommendSlots(db: Database, actor: Actor, request: RecommendationRequest): Promise<Recommendations> {
	const audience = await authorizeRecommendation(db, actor, request.patientId);
	const type = await getAppointmentType(db, request.appointmentTypeId);
	if (!type || !type.active) throw new SchedulingRefusal('not_bookable', 'That kind of appointment cannot be booked.');
	if (audience === 'patient' && !type.portalBookable) throw new SchedulingRefusal('not_bookable', 'That kind of appointment is booked by the clinic; please call us.');
	const now = request.now ?? new Date();
	const limit = Math.min(Math.max(request.limit ?? 5, 1), 20);
	const zone = await clinicTimeZone(db);

	let slots: Slot[] = [];
	let searchedDays = 0;
	for (const days of windowDays[request.urgency]) {
		searchedDays = days;
		slots = await findSlotsOfType(db, type, { from: now, to: new Date(now.getTime() + days * 86_400_000), withinCapacity: true, portal: audience === 'patient', now, limit: 4000 });
		if (slots.length >= limit) break;
	}
	if (slots.length === 0) return { slots: [], modelUsed: false, searchedDays };

	const windowEnd = now.getTime() + searchedDays * 86_400_000;
	const [habits, loads, model, riskContext] = await Promise.all([
		patientHabits(db, request.patientId, zone, now),
		dayLoads(db, zone, now, new Date(windowEnd)),
		latestNoShowModel(db),
		patientRiskContext(db, request.patientId, now)
	]);
	const maxLoad = Math.max(1, ...slots.map((s) => loads.get(dayOf(s, zone)) ?? 0));
	const risks = slots.map((s) => (model && riskContext ? slotRisk(model, riskContext, { startsAt: new Date(s.startsAt), appointmentTypeId: s.appointmentTypeId }, now) : null));
	const knownRisks = risks.filter((r): r is number => r !== null);
	const minRisk = Math.min(...knownRisks);
	const maxRisk = Math.max(...knownRisks);
	const maxHabit = Math.max(1, ...habits.attendedAt.values());
	const maxProviderVisits = Math.max(1, ...habits.providerVisits.values());
	const w = weights[request.urgency];
	const earliest = Date.parse(slots[0]!.startsAt);

	const scored = slots.map((slot, i) => {
		const start = Date.parse(slot.startsAt);
		const local = DateTime.fromMillis(start, { zone: slot.timeZone || zone });
		const habitKey = `${local.weekday}:${blockOf(local.hour)}`;
		const soon = 1 - (start - now.getTime()) / Math.max(1, windowEnd - now.getTime());
		const provider = slot.practitionerId === habits.primaryId ? 1 : 0.8 * ((habits.providerVisits.get(slot.practitionerId) ?? 0) / maxProviderVisits);
		const attended = habits.attendedAt.get(habitKey) ?? 0;
		const missed = habits.missedAt.get(habitKey) ?? 0;
		const habit = Math.max(0, (attended - 2 * missed) / maxHabit);
		const risk = risks[i] ?? null;
		const riskScore = risk === null || maxRisk === minRisk ? 0.5 : (maxRisk - risk) / (maxRisk - minRisk);
		const load = 1 - (loads.get(dayOf(slot, zone)) ?? 0) / maxLoad;
		const score = w.soon * soon + w.provider * provider + w.habit * habit + w.risk * riskScore + w.load * load;
		return { slot, score, risk, parts: { soon, provider, habit, riskScore, load, attended, missed, local, isEarliest: start === earliest } };
	});

	// The soonest slot leads an urgent request; then the best scores, at most two a day.
	const ranked = [...scored].sort((a, b) => b.score - a.score || Date.parse(a.slot.startsAt) - Date.parse(b.slot.startsAt));
	const chosen: typeof scored = [];
	if (request.urgency === 'urgent') chosen.push(scored[0]!);
	// Choices, not near-copies: one time per provider and half-day, two a day at most.
	const perDay = new Map<string, number>();
	const halfDays = new Set<string>();
	const halfDayOf = (pick: (typeof scored)[number]) => `${pick.slot.practitionerId}|${dayOf(pick.slot, zone)}|${blockOf(pick.parts.local.hour)}`;
	for (const pick of chosen) {
		perDay.set(dayOf(pick.slot, zone), 1);
		halfDays.add(halfDayOf(pick));
	}
	for (const candidate of ranked) {
		if (chosen.length >= limit) break;
		if (chosen.includes(candidate) || halfDays.has(halfDayOf(candidate))) continue;
		const day = dayOf(candidate.slot, zone);
		if ((perDay.get(day) ?? 0) >= 2) continue;
		perDay.set(day, (perDay.get(day) ?? 0) + 1);
		halfDays.add(halfDayOf(candidate));
		chosen.push(candidate);
	}
	if (request.urgency !== 'urgent') chosen.sort((a, b) => b.score - a.score);

	await recordAuditEvent(db, actor, {
		action: 'schedule.recommend',
		outcome: 'success',
		patientId: request.patientId,
		resourceType: 'appointment_type',
		resourceId: type.id,
		reason: `urgency ${request.urgency}; ${chosen.length} of ${slots.length} slots; model ${model ? model.id : 'none'}`
	});
	return {
		slots: chosen.map(({ slot, score, risk, parts }) => ({
			...slot,
			score: Math.round(score * 1000) / 1000,
			risk: risk === null ? null : Math.round(risk * 1000) / 1000,
			reason: reasonFor(slot, parts, habits, audience, risk, knownRisks)
		})),
		modelUsed: Boolean(model && riskContext),
		searchedDays
	};
}

function dayOf(slot: Slot, zone: string): string {
	return DateTime.fromISO(slot.startsAt, { zone }).toISODate()!;
}

function reasonFor(
	slot: Slot,
	parts: { soon: number; habit: number; load: number; attended: number; missed: number; local: DateTime; isEarliest: boolean },
	habits: PatientHabits,
	audience: Audience,
	risk: number | null,
	allRisks: number[]
): string {
	const words = audience === 'patient' ? { their: 'your', they: 'you', have: 'have', comes: 'you often come' } : { their: "the patient's", they: 'they', have: 'have', comes: 'they often come' };
	const pieces: string[] = [];
	const timing = parts.isEarliest ? 'Soonest' : parts.soon > 0.85 ? 'Soon' : '';
	const kind = habits.kinds.get(slot.practitionerId) ?? 'clinician';
	let who = `with ${slot.practitionerName}`;
	if (slot.practitionerId === habits.primaryId) who += `, ${words.their} usual ${kind}`;
	else if ((habits.providerVisits.get(slot.practitionerId) ?? 0) > 0) who += `, seen before`;
	pieces.push(timing ? `${timing} ${who}` : who.charAt(0).toUpperCase() + who.slice(1));

	const when = `${weekdayNames[parts.local.weekday]} ${blockOf(parts.local.hour)}s`;
	if (parts.attended >= 2 && parts.missed === 0) pieces.push(`${when} ${words.they} ${words.have} always attended`);
	else if (parts.attended >= 2 && parts.attended > parts.missed) pieces.push(`${words.comes} on ${when}`);
	else if (parts.missed > 0 && parts.missed >= parts.attended) pieces.push(`visits on ${when} were missed before`);

	if (risk !== null && allRisks.length > 2) {
		const sorted = [...allRisks].sort((a, b) => a - b);
		const lowCut = sorted[Math.floor(sorted.length / 3)]!;
		const highCut = sorted[Math.floor((sorted.length * 2) / 3)]!;
		const percent = `${Math.round(risk * 100)} %`;
		if (risk <= lowCut) pieces.push(`lower no-show risk (${percent})`);
		else if (risk > highCut) pieces.push(`higher no-show risk (${percent})`);
	}
	if (parts.load >= 0.5) pieces.push('lighter day');
	else if (parts.load <= 0.1) pieces.push('busy day');
	return pieces.join('; ');
}
