import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../../../db/client';
import { appointments, appointmentTypes, clinics, noShowModels, patients, type NoShowModel, type ReminderResponse } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { requirePermission } from '../access/patient-access';
import { recordAuditEvent, type AuditAction } from '../audit/audit-log';

/**
 * The clinic's no-show risk model: a logistic regression over a handful of plain features,
 * trained on the clinic's own settled visits. Hand-written because it is small: standardised
 * features, L2 penalty, full-batch gradient descent from zero weights — the same history gives
 * the same model. The held-out check is honest about time: the older 80 % of visits train it,
 * the newest 20 % test it, as it will be used (on visits that come after its training).
 */

// ---------------------------------------------------------------- features

export type ReminderState = 'confirmed' | 'reschedule_requested' | 'no_answer' | 'not_reminded';

/** One visit as the model sees it (nothing that names the patient). */
export interface VisitFacts {
	leadDays: number;
	priorNoShows: number;
	priorVisits: number;
	age: number;
	/** ISO weekday (1 Monday … 7 Sunday) and hour, in the visit's local time. */
	weekday: number;
	hour: number;
	appointmentTypeId: string;
	reminder: ReminderState;
}

export type FeatureVector = Record<string, number>;

const hourBlocks = [
	['early', (h: number) => h < 9],
	['morning', (h: number) => h >= 9 && h < 12],
	['afternoon', (h: number) => h >= 12 && h < 16],
	['late', (h: number) => h >= 16]
] as const;
const reminderStates: readonly ReminderState[] = ['confirmed', 'reschedule_requested', 'no_answer', 'not_reminded'];

/** Named features of one visit. Categories are one-hot (the L2 penalty keeps them identifiable). */
export function visitFeatures(visit: VisitFacts): FeatureVector {
	const features: FeatureVector = {
		leadTime: Math.log1p(Math.max(0, visit.leadDays)),
		priorNoShows: visit.priorNoShows,
		priorNoShowRate: visit.priorVisits > 0 ? visit.priorNoShows / visit.priorVisits : 0,
		age: visit.age,
		'age:18-29': visit.age >= 18 && visit.age < 30 ? 1 : 0
	};
	for (let day = 1; day <= 7; day += 1) features[`weekday:${day}`] = visit.weekday === day ? 1 : 0;
	for (const [name, test] of hourBlocks) features[`hour:${name}`] = test(visit.hour) ? 1 : 0;
	features[`type:${visit.appointmentTypeId}`] = 1;
	for (const state of reminderStates) features[`reminder:${state}`] = visit.reminder === state ? 1 : 0;
	return features;
}

// ---------------------------------------------------------------- the model

export interface ModelParameters {
	weights: Record<string, number>;
	intercept: number;
	scaling: Record<string, { mean: number; sd: number }>;
}

export interface FitOptions {
	/** L2 penalty on the standardised weights. */
	l2?: number;
	iterations?: number;
	learningRate?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Fits weights on standardised features by gradient descent on the penalised log-loss. */
export function fitLogistic(rows: readonly FeatureVector[], labels: readonly number[], features: readonly string[], options: FitOptions = {}): ModelParameters {
	const { l2 = 0.01, iterations = 600, learningRate = 0.5 } = options;
	const n = rows.length;
	const d = features.length;
	const scaling: ModelParameters['scaling'] = {};
	const x = rows.map(() => new Float64Array(d));
	features.forEach((name, j) => {
		let sum = 0;
		for (const row of rows) sum += row[name] ?? 0;
		const mean = n > 0 ? sum / n : 0;
		let squares = 0;
		for (const row of rows) squares += ((row[name] ?? 0) - mean) ** 2;
		const sd = n > 1 ? Math.sqrt(squares / n) : 0;
		// A feature that never varies in training stays at zero weight.
		scaling[name] = { mean, sd: sd > 1e-9 ? sd : 1 };
		rows.forEach((row, i) => (x[i]![j] = ((row[name] ?? 0) - mean) / scaling[name]!.sd));
	});
	const w = new Float64Array(d);
	let b = 0;
	const gradient = new Float64Array(d);
	for (let step = 0; step < iterations; step += 1) {
		gradient.fill(0);
		let gradientB = 0;
		for (let i = 0; i < n; i += 1) {
			const xi = x[i]!;
			let z = b;
			for (let j = 0; j < d; j += 1) z += w[j]! * xi[j]!;
			const error = sigmoid(z) - labels[i]!;
			gradientB += error;
			for (let j = 0; j < d; j += 1) gradient[j]! += error * xi[j]!;
		}
		b -= (learningRate * gradientB) / Math.max(1, n);
		for (let j = 0; j < d; j += 1) w[j]! -= learningRate * (gradient[j]! / Math.max(1, n) + l2 * w[j]!);
	}
	const weights: Record<string, number> = {};
	features.forEach((name, j) => (weights[name] = w[j]!));
	return { weights, intercept: b, scaling };
}

/** The probability of a no-show for one visit's features. Unknown features (a new type) count as zero. */
export function predictProbability(parameters: ModelParameters, features: FeatureVector): number {
	let z = parameters.intercept;
	for (const [name, weight] of Object.entries(parameters.weights)) {
		const scale = parameters.scaling[name] ?? { mean: 0, sd: 1 };
		z += weight * (((features[name] ?? 0) - scale.mean) / scale.sd);
	}
	return sigmoid(z);
}

/**
 * Area under the ROC curve by ranks (Mann–Whitney U): the chance that a randomly chosen positive
 * scores above a randomly chosen negative, ties counting half. Null when either class is missing.
 */
export function rankAuc(scores: readonly number[], labels: readonly number[]): number | null {
	const order = scores.map((score, i) => ({ score, label: labels[i]! })).sort((a, b) => a.score - b.score);
	let positives = 0;
	let rankSum = 0;
	for (let i = 0; i < order.length; ) {
		let j = i;
		while (j + 1 < order.length && order[j + 1]!.score === order[i]!.score) j += 1;
		const averageRank = (i + 1 + (j + 1)) / 2;
		for (let k = i; k <= j; k += 1) {
			if (order[k]!.label === 1) {
				positives += 1;
				rankSum += averageRank;
			}
		}
		i = j + 1;
	}
	const negatives = order.length - positives;
	if (positives === 0 || negatives === 0) return null;
	return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface LabelledVisit {
	startsAt: Date;
	features: FeatureVector;
	noShow: boolean;
}

export interface TrainedModel {
	features: string[];
	parameters: ModelParameters;
	auc: number;
	trainCount: number;
	testCount: number;
	baseRate: number;
}

export class NotEnoughHistory extends Error {
	readonly status = 409;
	constructor(message: string) {
		super(message);
		this.name = 'NotEnoughHistory';
	}
}

/** Older 80 % train, newer 20 % test; the AUC is measured on the newer visits only. */
export function trainOnHistory(visits: readonly LabelledVisit[], options: FitOptions = {}): TrainedModel {
	const sorted = [...visits].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
	const cut = Math.floor(sorted.length * 0.8);
	const train = sorted.slice(0, cut);
	const test = sorted.slice(cut);
	const trainNoShows = train.filter((v) => v.noShow).length;
	const testNoShows = test.filter((v) => v.noShow).length;
	if (train.length < 50 || trainNoShows < 5 || testNoShows < 1 || testNoShows === test.length) {
		throw new NotEnoughHistory(
			`There is not enough history to train on yet: ${sorted.length} finished visits with ${trainNoShows + testNoShows} no-shows. The model needs at least 63 finished visits, with no-shows among both the older and the newer ones.`
		);
	}
	const features = [...new Set(train.flatMap((v) => Object.keys(v.features)))].sort();
	const parameters = fitLogistic(
		train.map((v) => v.features),
		train.map((v) => (v.noShow ? 1 : 0)),
		features,
		options
	);
	const auc = rankAuc(
		test.map((v) => predictProbability(parameters, v.features)),
		test.map((v) => (v.noShow ? 1 : 0))
	)!;
	return { features, parameters, auc, trainCount: train.length, testCount: test.length, baseRate: trainNoShows / train.length };
}

// ---------------------------------------------------------------- the clinic's history

/** Settled visits (attended or missed) before `now`, with the facts the model uses. */
export async function loadLabelledHistory(db: Database, now = new Date()): Promise<LabelledVisit[]> {
	const zone = await clinicTimeZone(db);
	const rows = await db
		.select({
			id: appointments.id,
			patientId: appointments.patientId,
			startsAt: appointments.startsAt,
			createdAt: appointments.createdAt,
			status: appointments.status,
			typeId: appointments.appointmentTypeId,
			confirmedAt: appointments.confirmedAt,
			response: appointments.reminderResponse,
			birthDate: patients.birthDate,
			reminded: sql<boolean>`exists (select 1 from appointment_reminders r where r.appointment_id = "appointments"."id" and r.status = 'queued')`
		})
		.from(appointments)
		.innerJoin(patients, eq(patients.id, appointments.patientId))
		.where(and(inArray(appointments.status, ['completed', 'no_show', 'checked_in']), lt(appointments.startsAt, now)))
		.orderBy(asc(appointments.patientId), asc(appointments.startsAt));
	const visits: LabelledVisit[] = [];
	let patientId = '';
	let priorVisits = 0;
	let priorNoShows = 0;
	for (const row of rows) {
		if (row.patientId !== patientId) {
			patientId = row.patientId;
			priorVisits = 0;
			priorNoShows = 0;
		}
		const noShow = row.status === 'no_show';
		visits.push({
			startsAt: row.startsAt,
			noShow,
			features: visitFeatures({
				...timeFacts(row.startsAt, row.createdAt, row.birthDate, zone),
				priorNoShows,
				priorVisits,
				appointmentTypeId: row.typeId,
				reminder: reminderState(row.response, row.confirmedAt, Boolean(row.reminded))
			})
		});
		priorVisits += 1;
		if (noShow) priorNoShows += 1;
	}
	return visits;
}

export function reminderState(response: ReminderResponse | null, confirmedAt: Date | null, reminded: boolean): ReminderState {
	if (response === 'confirmed' || confirmedAt) return 'confirmed';
	if (response === 'reschedule_requested') return 'reschedule_requested';
	return reminded ? 'no_answer' : 'not_reminded';
}

function timeFacts(startsAt: Date, bookedAt: Date, birthDate: string, zone: string): Pick<VisitFacts, 'leadDays' | 'age' | 'weekday' | 'hour'> {
	const local = DateTime.fromJSDate(startsAt, { zone });
	return {
		leadDays: Math.max(0, (startsAt.getTime() - bookedAt.getTime()) / 86_400_000),
		age: Math.max(0, local.diff(DateTime.fromISO(birthDate, { zone }), 'years').years),
		weekday: local.weekday,
		hour: local.hour
	};
}

async function clinicTimeZone(db: Database): Promise<string> {
	const [clinic] = await db.select({ timeZone: clinics.timeZone }).from(clinics).limit(1);
	return clinic?.timeZone ?? 'UTC';
}

// ---------------------------------------------------------------- train, store, show

async function requireAnalytics(db: Database, actor: Actor, action: AuditAction): Promise<void> {
	try {
		requirePermission(actor, 'schedule.analytics');
	} catch (error) {
		if (error instanceof AccessDenied) await recordAuditEvent(db, actor, { action, outcome: 'denied', resourceType: 'no_show_model', reason: `role ${actor.role}` });
		throw error;
	}
}

/** An administrator trains the model on the clinic's history now; the result is stored and audited. */
export async function trainNoShowModel(db: Database, actor: Actor, now = new Date()): Promise<NoShowModel> {
	await requireAnalytics(db, actor, 'schedule.model_train');
	const trained = trainOnHistory(await loadLabelledHistory(db, now));
	const [row] = await db
		.insert(noShowModels)
		.values({
			features: trained.features,
			parameters: trained.parameters,
			auc: trained.auc,
			trainCount: trained.trainCount,
			testCount: trained.testCount,
			baseRate: trained.baseRate,
			trainedByUserId: actor.userId,
			trainedAt: now
		})
		.returning();
	await recordAuditEvent(db, actor, {
		action: 'schedule.model_train',
		outcome: 'success',
		resourceType: 'no_show_model',
		resourceId: row!.id,
		reason: `auc ${trained.auc.toFixed(3)}; train ${trained.trainCount}; test ${trained.testCount}`
	});
	return row!;
}

/** The newest stored model, or null before the first training. No access check: weights hold no patient data. */
export async function latestNoShowModel(db: Database): Promise<NoShowModel | null> {
	const [row] = await db.select().from(noShowModels).orderBy(desc(noShowModels.trainedAt)).limit(1);
	return row ?? null;
}

export interface RiskFactor {
	feature: string;
	/** Plain words: "Booked long in advance". */
	label: string;
	direction: 'raises' | 'lowers';
	/** Weight on the standardised feature: how much one standard deviation moves the log-odds. */
	weight: number;
}

export interface ModelSummary {
	id: string;
	auc: number;
	trainCount: number;
	testCount: number;
	baseRate: number;
	trainedAt: string;
	factors: RiskFactor[];
}

const weekdayNames = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function describeFeature(feature: string, typeNames: ReadonlyMap<string, string>): string {
	const [kind, value = ''] = feature.split(':');
	switch (kind) {
		case 'leadTime':
			return 'Booked long in advance';
		case 'priorNoShows':
			return 'Missed visits before';
		case 'priorNoShowRate':
			return 'Share of earlier visits missed';
		case 'age':
			return value ? 'Aged 18 to 29' : 'Older patient';
		case 'weekday':
			return `${weekdayNames[Number(value)] ?? 'Weekday'} visit`;
		case 'hour':
			return { early: 'Before 9 am', morning: 'Morning (9 am to noon)', afternoon: 'Afternoon (noon to 4 pm)', late: 'After 4 pm' }[value] ?? 'Time of day';
		case 'type':
			return `${typeNames.get(value) ?? 'An appointment type no longer offered'} visit`;
		case 'reminder':
			return (
				{
					confirmed: 'Confirmed after a reminder',
					reschedule_requested: 'Asked to reschedule, then kept the time',
					no_answer: 'Reminded, no answer',
					not_reminded: 'No reminder sent'
				}[value] ?? 'Reminder'
			);
		default:
			return feature;
	}
}

/** The latest model for the admin page: its AUC and the factors that move the risk most. Audited as an analytics view by the caller. */
export async function noShowModelSummary(db: Database, actor: Actor, topFactors = 6): Promise<ModelSummary | null> {
	await requireAnalytics(db, actor, 'schedule.analytics_view');
	const model = await latestNoShowModel(db);
	if (!model) return null;
	const typeNames = new Map((await db.select({ id: appointmentTypes.id, name: appointmentTypes.name }).from(appointmentTypes)).map((t) => [t.id, t.name]));
	const factors = Object.entries(model.parameters.weights)
		.filter(([, weight]) => Math.abs(weight) > 1e-3)
		.sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
		.slice(0, topFactors)
		.map(([feature, weight]): RiskFactor => ({ feature, label: describeFeature(feature, typeNames), direction: weight > 0 ? 'raises' : 'lowers', weight }));
	return {
		id: model.id,
		auc: model.auc,
		trainCount: model.trainCount,
		testCount: model.testCount,
		baseRate: model.baseRate,
		trainedAt: model.trainedAt.toISOString(),
		factors
	};
}

// ---------------------------------------------------------------- predictions

/** What the model needs to know of a patient to score their visits. */
export interface PatientRiskContext {
	birthDate: string;
	priorVisits: number;
	priorNoShows: number;
	timeZone: string;
}

export async function patientRiskContext(db: Database, patientId: string, before = new Date()): Promise<PatientRiskContext | null> {
	const [patient] = await db.select({ birthDate: patients.birthDate }).from(patients).where(eq(patients.id, patientId));
	if (!patient) return null;
	const [counts] = await db
		.select({
			visits: sql<number>`count(*)::int`,
			noShows: sql<number>`count(*) filter (where ${appointments.status} = 'no_show')::int`
		})
		.from(appointments)
		.where(and(eq(appointments.patientId, patientId), inArray(appointments.status, ['completed', 'no_show', 'checked_in']), lt(appointments.startsAt, before)));
	return { birthDate: patient.birthDate, priorVisits: counts?.visits ?? 0, priorNoShows: counts?.noShows ?? 0, timeZone: await clinicTimeZone(db) };
}

/**
 * The risk of a no-show for a candidate slot: booked now, no reminder answer yet (reminders go
 * out later, so 'no_answer' is what the clinic knows at booking time).
 */
export function slotRisk(
	model: Pick<NoShowModel, 'parameters'>,
	context: PatientRiskContext,
	slot: { startsAt: Date; appointmentTypeId: string },
	now = new Date()
): number {
	const facts = timeFacts(slot.startsAt, now, context.birthDate, context.timeZone);
	return predictProbability(
		model.parameters,
		visitFeatures({ ...facts, priorNoShows: context.priorNoShows, priorVisits: context.priorVisits, appointmentTypeId: slot.appointmentTypeId, reminder: 'no_answer' })
	);
}

/** The risk for a booked appointment, with what is known of it now (its reminder answer included). Null without a model. */
export async function appointmentRisk(db: Database, appointmentId: string): Promise<number | null> {
	const model = await latestNoShowModel(db);
	if (!model) return null;
	const [row] = await db
		.select({
			patientId: appointments.patientId,
			startsAt: appointments.startsAt,
			createdAt: appointments.createdAt,
			typeId: appointments.appointmentTypeId,
			confirmedAt: appointments.confirmedAt,
			response: appointments.reminderResponse,
			reminded: sql<boolean>`exists (select 1 from appointment_reminders r where r.appointment_id = "appointments"."id" and r.status = 'queued')`
		})
		.from(appointments)
		.where(eq(appointments.id, appointmentId));
	if (!row) return null;
	const context = await patientRiskContext(db, row.patientId, row.startsAt);
	if (!context) return null;
	return predictProbability(
		model.parameters,
		visitFeatures({
			...timeFacts(row.startsAt, row.createdAt, context.birthDate, context.timeZone),
			priorNoShows: context.priorNoShows,
			priorVisits: context.priorVisits,
			appointmentTypeId: row.typeId,
			reminder: reminderState(row.response, row.confirmedAt, Boolean(row.reminded))
		})
	);
}
