import { date, doublePrecision, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { users } from './identity';

export const treatmentPlanStatuses = ['draft', 'active', 'completed', 'cancelled'] as const;
export type TreatmentPlanStatus = (typeof treatmentPlanStatuses)[number];

/**
 * A treatment plan. Its content (goals, interventions, medication schedule, review dates) lives
 * in the collaborative document `plan:<id>`; `content` is the projection of that document that
 * the portal, adherence and alert jobs read.
 */
export const treatmentPlans = pgTable(
	'treatment_plans',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		title: text('title').notNull(),
		status: text('status').$type<TreatmentPlanStatus>().notNull().default('active'),
		/**
		 * The day the plan starts ('YYYY-MM-DD', the clinic's calendar): given when the plan is
		 * created, seeded into the document's meta and kept in step by the projection. A column, so
		 * lists and the missed-dose job need not read the document.
		 */
		startDate: date('start_date', { mode: 'string' }).notNull().default(sql`current_date`),
		createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		content: jsonb('content').$type<Record<string, unknown>>().notNull().default({}),
		contentChangedAt: timestamp('content_changed_at', { withTimezone: true, mode: 'date' }),
		/** When the patient was last told the plan changed (changes are announced at most every few minutes). */
		patientNotifiedAt: timestamp('patient_notified_at', { withTimezone: true, mode: 'date' }),
		...timestamps
	},
	(t) => [index('treatment_plans_patient_idx').on(t.patientId)]
);

export const doseStatuses = ['taken', 'skipped'] as const;
export type DoseStatus = (typeof doseStatuses)[number];

/** A scheduled dose the patient (or proxy) recorded as taken or skipped. */
export const planDoseEvents = pgTable(
	'plan_dose_events',
	{
		id: id(),
		planId: uuid('plan_id')
			.notNull()
			.references(() => treatmentPlans.id, { onDelete: 'cascade' }),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		/** The medication schedule entry's id inside the plan document. */
		scheduleItemId: text('schedule_item_id').notNull(),
		scheduledFor: timestamp('scheduled_for', { withTimezone: true, mode: 'date' }).notNull(),
		status: text('status').$type<DoseStatus>().notNull(),
		recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		recordedByUserId: uuid('recorded_by_user_id').references(() => users.id, { onDelete: 'set null' })
	},
	(t) => [uniqueIndex('plan_dose_events_dose_uq').on(t.planId, t.scheduleItemId, t.scheduledFor)]
);

/** A progress reading against one of the plan's goals (home blood pressure, glucose, pain score…). */
export const planProgressReadings = pgTable(
	'plan_progress_readings',
	{
		id: id(),
		planId: uuid('plan_id')
			.notNull()
			.references(() => treatmentPlans.id, { onDelete: 'cascade' }),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		/** The goal's id inside the plan document. */
		goalId: text('goal_id').notNull(),
		value: doublePrecision('value').notNull(),
		unit: text('unit').notNull().default(''),
		measuredAt: timestamp('measured_at', { withTimezone: true, mode: 'date' }).notNull(),
		recordedByUserId: uuid('recorded_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [index('plan_progress_readings_plan_goal_idx').on(t.planId, t.goalId, t.measuredAt)]
);

/** One row per missed dose the care team was alerted about, so each is announced once. */
export const planMissedDoseAlerts = pgTable(
	'plan_missed_dose_alerts',
	{
		id: id(),
		planId: uuid('plan_id')
			.notNull()
			.references(() => treatmentPlans.id, { onDelete: 'cascade' }),
		scheduleItemId: text('schedule_item_id').notNull(),
		scheduledFor: timestamp('scheduled_for', { withTimezone: true, mode: 'date' }).notNull(),
		alertedAt: timestamp('alerted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('plan_missed_dose_alerts_dose_uq').on(t.planId, t.scheduleItemId, t.scheduledFor)]
);

/**
 * In-app notifications. Title and body are shown only inside the signed-in app; emails and
 * browser notifications derived from them carry no patient details.
 */
export const notifications = pgTable(
	'notifications',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		kind: text('kind').notNull(),
		title: text('title').notNull(),
		body: text('body').notNull().default(''),
		/** A path inside the app. */
		link: text('link'),
		patientId: uuid('patient_id').references(() => patients.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		readAt: timestamp('read_at', { withTimezone: true, mode: 'date' })
	},
	(t) => [index('notifications_user_created_idx').on(t.userId, t.createdAt)]
);

export type TreatmentPlan = typeof treatmentPlans.$inferSelect;
export type NewTreatmentPlan = typeof treatmentPlans.$inferInsert;
export type PlanDoseEvent = typeof planDoseEvents.$inferSelect;
export type PlanProgressReading = typeof planProgressReadings.$inferSelect;
export type Notification = typeof notifications.$inferSelect;
