import { asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { patients, planDoseEvents, planProgressReadings, treatmentPlans, type DoseStatus, type TreatmentPlan, type TreatmentPlanStatus } from '../../../../db/schema/index';
import { isClinician, isPortalUser, type Actor } from '../access/actor';
import { AccessDenied, NotFound } from '../access/errors';
import { authorizePatient } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { getClinic } from '../clinic/clinic';
import { addDays, localDateOf, zonedInstant } from './clinic-time';
import { adherence, doseKey, scheduledDoses, type Adherence } from './doses';
import { planContentOf, type PlanContent } from './plan-content';
import { deviation, expectedTrajectory, type Deviation, type PlanGoal, type TrajectoryPoint } from './trajectory';

/**
 * Treatment plans: creating one, listing a patient's, the tracker view (today's doses,
 * adherence, readings against each goal) and what the patient records (doses, readings).
 * Every call goes through the access module with the 'clinical' part: the patient, a proxy
 * whose grant carries the records scope, the care team (or emergency access) and the clinic
 * administrator. The plan's content itself is edited in its collaborative document.
 */

export class InvalidPlanInput extends Error {
	readonly status = 400;
	readonly field: string;
	constructor(field: string, message: string) {
		super(message);
		this.name = 'InvalidPlanInput';
		this.field = field;
	}
}

export const planTitleMax = 200;
/** A dose may be marked taken this long before its time (taking a morning dose a little early is normal). */
export const doseEarlyWindowMs = 2 * 3600_000;
/** Doses older than this can no longer be recorded: the record would be guesswork by then. */
export const doseRecordWindowDays = 14;
/** Device and phone clocks drift; a reading this far "in the future" is still accepted. */
export const clockSkewMs = 5 * 60_000;
export const readingMaxAgeDays = 365;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Enter a real date.');

const createSchema = z.object({
	title: z.string({ error: 'Enter a title.' }).trim().min(1, 'Enter a title.').max(planTitleMax, `Use at most ${planTitleMax} characters.`),
	startDate: isoDate
});

const doseSchema = z.object({
	scheduleItemId: z.string().min(1, 'Choose a dose.').max(100),
	scheduledFor: z.coerce.date({ error: 'Choose a dose.' }),
	status: z.enum(['taken', 'skipped'], { error: 'Say whether the dose was taken or skipped.' })
});

const readingSchema = z.object({
	goalId: z.string().min(1, 'Choose a goal.').max(100),
	// An empty field is not zero.
	value: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number({ error: 'Enter a number.' }).finite('Enter a number.')),
	unit: z.string().trim().max(40).optional(),
	measuredAt: z.coerce.date({ error: 'Enter when it was measured.' })
});

/** Plausible ranges of the common home measures; anything outside is a typo or a wrong unit. */
const plausibleRanges: Record<string, { min: number; max: number; units?: Record<string, { min: number; max: number }> }> = {
	systolic_bp: { min: 50, max: 300 },
	diastolic_bp: { min: 20, max: 200 },
	heart_rate: { min: 20, max: 300 },
	pain_score: { min: 0, max: 10 },
	glucose: { min: 10, max: 1000, units: { 'mmol/l': { min: 0.5, max: 60 } } },
	weight: { min: 1, max: 400, units: { lb: { min: 2, max: 900 }, lbs: { min: 2, max: 900 } } }
};

export function plausibleRange(goal: Pick<PlanGoal, 'measure' | 'unit' | 'target' | 'baseline'>): { min: number; max: number } {
	const known = plausibleRanges[goal.measure];
	if (known) return known.units?.[goal.unit.trim().toLowerCase()] ?? { min: known.min, max: known.max };
	// A measure of the clinician's own naming: within ten times the plan's own figures.
	const scale = Math.max(100, Math.abs(goal.target) * 10, Math.abs(goal.baseline ?? 0) * 10);
	return { min: Math.min(0, -scale), max: scale };
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	const issue = result.error.issues[0]!;
	throw new InvalidPlanInput(issue.path.join('.') || 'form', issue.message);
}

export async function clinicTimeZone(db: Database): Promise<string> {
	return (await getClinic(db))?.timeZone ?? 'UTC';
}

/** Creates an (empty) plan; its content is seeded into the document when someone first opens it. Clinicians only. */
export async function createPlan(db: Database, actor: Actor, patientId: string, input: { title: unknown; startDate: unknown }, now = new Date()): Promise<TreatmentPlan> {
	if (!isClinician(actor)) {
		await recordAuditEvent(db, actor, { action: 'plan.create', outcome: 'denied', patientId, resourceType: 'treatment_plan', reason: `role ${actor.role}` });
		throw new AccessDenied('Only the patient’s physicians and nurses can start a treatment plan.');
	}
	await authorizePatient(db, actor, patientId, { action: 'plan.create', require: ['clinical'], resourceType: 'treatment_plan' });
	const data = parse(createSchema, input);
	const today = localDateOf(now, await clinicTimeZone(db));
	if (data.startDate < addDays(today, -365) || data.startDate > addDays(today, 365)) throw new InvalidPlanInput('startDate', 'Choose a start date within a year of today.');
	const [plan] = await db
		.insert(treatmentPlans)
		.values({ patientId, title: data.title, status: 'active', startDate: data.startDate, createdByUserId: actor.userId })
		.returning();
	return plan!;
}

export interface PlanSummary {
	id: string;
	title: string;
	status: TreatmentPlanStatus;
	startDate: string;
	contentChangedAt: string | null;
	createdAt: string;
}

/** Plans the patient does not see yet: a draft is the care team's until they make it active. */
const hiddenFromPortal: readonly TreatmentPlanStatus[] = ['draft'];

export async function listPlans(db: Database, actor: Actor, patientId: string): Promise<PlanSummary[]> {
	await authorizePatient(db, actor, patientId, { action: 'plan.view', require: ['clinical'], resourceType: 'treatment_plan' });
	const rows = await db.select().from(treatmentPlans).where(eq(treatmentPlans.patientId, patientId)).orderBy(desc(treatmentPlans.startDate), desc(treatmentPlans.createdAt));
	return rows
		.filter((plan) => !(isPortalUser(actor) && hiddenFromPortal.includes(plan.status)))
		.map((plan) => ({
			id: plan.id,
			title: plan.title,
			status: plan.status,
			startDate: plan.startDate,
			contentChangedAt: plan.contentChangedAt?.toISOString() ?? null,
			createdAt: plan.createdAt.toISOString()
		}));
}

/** Loads the plan and asks the access module about its patient; a portal user does not see drafts. */
async function authorizedPlan(db: Database, actor: Actor, planId: string, action: 'plan.view' | 'plan.dose_record' | 'plan.reading_record'): Promise<TreatmentPlan> {
	if (!z.string().uuid().safeParse(planId).success) throw new NotFound('No treatment plan with that id.');
	const [plan] = await db.select().from(treatmentPlans).where(eq(treatmentPlans.id, planId));
	if (!plan) throw new NotFound('No treatment plan with that id.');
	await authorizePatient(db, actor, plan.patientId, { action, require: ['clinical'], resourceType: 'treatment_plan', resourceId: plan.id });
	if (isPortalUser(actor) && hiddenFromPortal.includes(plan.status)) throw new NotFound('This treatment plan has not been shared with you yet.');
	return plan;
}

export interface TrackedDose {
	scheduleItemId: string;
	medication: string;
	dose: string;
	scheduledFor: string;
	localDate: string;
	localTime: string;
	status: DoseStatus | null;
	/** Can be recorded now (not too far ahead, not too old). */
	recordable: boolean;
}

export interface GoalProgress {
	goal: PlanGoal;
	readings: { value: number; unit: string; measuredAt: string }[];
	trajectory: TrajectoryPoint[];
	deviation: Deviation;
	/** The accepted range of a reading, for the form. */
	range: { min: number; max: number };
}

export interface PlanTracker {
	patient: { id: string; givenName: string; familyName: string };
	plan: { id: string; patientId: string; title: string; status: TreatmentPlanStatus; startDate: string; contentChangedAt: string | null };
	content: PlanContent;
	timeZone: string;
	today: string;
	/** Today's doses on the clinic's calendar, and yesterday's that still have nothing recorded. */
	doses: TrackedDose[];
	adherence: { lastSevenDays: Adherence; sinceStart: Adherence };
	goals: GoalProgress[];
	/** Whether this person may record doses and readings on it now. */
	recording: boolean;
}

/** The tracker page's read model (staff and portal). */
export async function getPlanTracker(db: Database, actor: Actor, planId: string, now = new Date()): Promise<PlanTracker> {
	const plan = await authorizedPlan(db, actor, planId, 'plan.view');
	const timeZone = await clinicTimeZone(db);
	const content = planContentOf(plan.content);
	const today = localDateOf(now, timeZone);
	const planStart = zonedInstant(plan.startDate, '00:00', timeZone);
	const [[patient], events, readings] = await Promise.all([
		db.select({ id: patients.id, givenName: patients.givenName, familyName: patients.familyName }).from(patients).where(eq(patients.id, plan.patientId)),
		db.select().from(planDoseEvents).where(eq(planDoseEvents.planId, plan.id)),
		db.select().from(planProgressReadings).where(eq(planProgressReadings.planId, plan.id)).orderBy(asc(planProgressReadings.measuredAt))
	]);
	const statusOf = new Map(events.map((e) => [doseKey(e), e.status]));

	const shownFrom = zonedInstant(addDays(today, -1), '00:00', timeZone);
	const shownTo = zonedInstant(addDays(today, 1), '00:00', timeZone);
	const doses = scheduledDoses(content.medicationSchedule, shownFrom > planStart ? shownFrom : planStart, shownTo, timeZone)
		.map((dose) => ({ dose, status: statusOf.get(doseKey(dose)) ?? null }))
		// Yesterday's doses only while they still need an answer.
		.filter(({ dose, status }) => dose.localDate === today || status === null)
		.map(({ dose, status }) => ({
			scheduleItemId: dose.scheduleItemId,
			medication: dose.medication,
			dose: dose.dose,
			scheduledFor: dose.scheduledFor.toISOString(),
			localDate: dose.localDate,
			localTime: dose.localTime,
			status,
			recordable: doseRecordable(dose.scheduledFor, now)
		}));

	const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
	const due = (from: Date) => scheduledDoses(content.medicationSchedule, from > planStart ? from : planStart, now, timeZone);
	const goals = content.goals.map((goal) => {
		const own = readings.filter((r) => r.goalId === goal.id);
		return {
			goal,
			readings: own.map((r) => ({ value: r.value, unit: r.unit, measuredAt: r.measuredAt.toISOString() })),
			trajectory: expectedTrajectory(goal, plan.startDate)?.points ?? [],
			deviation: deviation(goal, own, plan.startDate),
			range: plausibleRange(goal)
		};
	});
	return {
		patient: patient!,
		plan: { id: plan.id, patientId: plan.patientId, title: plan.title, status: plan.status, startDate: plan.startDate, contentChangedAt: plan.contentChangedAt?.toISOString() ?? null },
		content,
		timeZone,
		today,
		doses,
		adherence: { lastSevenDays: adherence(due(weekAgo), events), sinceStart: adherence(due(planStart), events) },
		goals,
		recording: plan.status === 'active'
	};
}

function doseRecordable(scheduledFor: Date, now: Date): boolean {
	return scheduledFor.getTime() <= now.getTime() + doseEarlyWindowMs && scheduledFor.getTime() >= now.getTime() - doseRecordWindowDays * 86_400_000;
}

/** The patient (or proxy, or care team) records a scheduled dose as taken or skipped; a second answer replaces the first. */
export async function recordDose(db: Database, actor: Actor, planId: string, input: { scheduleItemId: unknown; scheduledFor: unknown; status: unknown }, now = new Date()) {
	const plan = await authorizedPlan(db, actor, planId, 'plan.dose_record');
	const data = parse(doseSchema, input);
	if (plan.status !== 'active') throw new InvalidPlanInput('form', 'This plan is not active; doses can no longer be recorded on it.');
	const timeZone = await clinicTimeZone(db);
	const item = planContentOf(plan.content).medicationSchedule.find((s) => s.id === data.scheduleItemId);
	if (!item) throw new InvalidPlanInput('scheduleItemId', 'That medication is not on this plan’s schedule.');
	const at = data.scheduledFor;
	const planStart = zonedInstant(plan.startDate, '00:00', timeZone);
	const onSchedule = at >= planStart && scheduledDoses([item], new Date(at.getTime() - 1), new Date(at.getTime() + 1), timeZone).some((d) => d.scheduledFor.getTime() === at.getTime());
	if (!onSchedule) throw new InvalidPlanInput('scheduledFor', 'No dose of that medication is scheduled at that time.');
	if (at.getTime() > now.getTime() + doseEarlyWindowMs) throw new InvalidPlanInput('scheduledFor', 'That dose is not due yet.');
	if (at.getTime() < now.getTime() - doseRecordWindowDays * 86_400_000) throw new InvalidPlanInput('scheduledFor', `Doses older than ${doseRecordWindowDays} days can no longer be recorded.`);
	const [event] = await db
		.insert(planDoseEvents)
		.values({ planId: plan.id, patientId: plan.patientId, scheduleItemId: item.id, scheduledFor: at, status: data.status, recordedAt: now, recordedByUserId: actor.userId })
		.onConflictDoUpdate({
			target: [planDoseEvents.planId, planDoseEvents.scheduleItemId, planDoseEvents.scheduledFor],
			set: { status: data.status, recordedAt: now, recordedByUserId: actor.userId }
		})
		.returning();
	return event!;
}

/** A progress reading against one of the plan's goals, in the goal's unit. */
export async function recordReading(db: Database, actor: Actor, planId: string, input: { goalId: unknown; value: unknown; unit?: unknown; measuredAt: unknown }, now = new Date()) {
	const plan = await authorizedPlan(db, actor, planId, 'plan.reading_record');
	const data = parse(readingSchema, input);
	if (plan.status !== 'active') throw new InvalidPlanInput('form', 'This plan is not active; readings can no longer be recorded on it.');
	const goal = planContentOf(plan.content).goals.find((g) => g.id === data.goalId);
	if (!goal) throw new InvalidPlanInput('goalId', 'That goal is not part of this plan.');
	if (data.unit !== undefined && data.unit !== '' && data.unit.toLowerCase() !== goal.unit.trim().toLowerCase()) {
		throw new InvalidPlanInput('unit', `Enter the reading in ${goal.unit || 'the goal’s unit'}.`);
	}
	const range = plausibleRange(goal);
	if (data.value < range.min || data.value > range.max) throw new InvalidPlanInput('value', `Enter a value between ${range.min} and ${range.max}${goal.unit ? ` ${goal.unit}` : ''}.`);
	if (data.measuredAt.getTime() > now.getTime() + clockSkewMs) throw new InvalidPlanInput('measuredAt', 'The time measured cannot be in the future.');
	if (data.measuredAt.getTime() < now.getTime() - readingMaxAgeDays * 86_400_000) throw new InvalidPlanInput('measuredAt', 'Readings older than a year cannot be added here.');
	const [reading] = await db
		.insert(planProgressReadings)
		.values({ planId: plan.id, patientId: plan.patientId, goalId: goal.id, value: data.value, unit: goal.unit, measuredAt: data.measuredAt, recordedByUserId: actor.userId })
		.returning();
	return reading!;
}
