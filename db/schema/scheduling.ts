import { pgTable, text, uuid, integer, smallint, boolean, date, timestamp, doublePrecision, jsonb, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, timestamps } from './columns';
import { clinics, locations, type Language } from './clinic';
import { patients } from './patients';
import { practitioners } from './care';
import { users } from './identity';
import { encounters } from './clinical';

/**
 * Scheduling: availability → slots → appointments, capacity, prioritised requests, reminders.
 * The model follows FHIR's Schedule/Slot/Appointment: slots are never stored, they are computed
 * from availability rules, exceptions and booked appointments (app/lib/server/scheduling/).
 *
 * No double booking is the database's job: migration 0008 adds an exclusion constraint on
 * appointments (practitioner_id WITH =, tstzrange(starts_at, occupied_until) WITH &&) for every
 * appointment that still holds its time. Drizzle cannot express EXCLUDE, so it lives in SQL only.
 */

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const appointmentModalities = ['in_person', 'telehealth'] as const;
export type AppointmentModality = (typeof appointmentModalities)[number];

/** What can be booked: "New patient visit, 40 min + 10 min buffer, in person". */
export const appointmentTypes = pgTable(
	'appointment_types',
	{
		id: id(),
		name: text('name').notNull(),
		modality: text('modality').$type<AppointmentModality>().notNull(),
		durationMinutes: integer('duration_minutes').notNull(),
		/** Time kept free after the visit (cleaning a room, writing up); part of what the provider's calendar holds. */
		bufferMinutes: integer('buffer_minutes').notNull().default(0),
		description: text('description').notNull().default(''),
		/** Patients may book this type themselves in the portal. */
		portalBookable: boolean('portal_bookable').notNull().default(true),
		active: boolean('active').notNull().default(true),
		...timestamps
	},
	(t) => [
		uniqueIndex('appointment_types_name_uq').on(t.name),
		check('appointment_types_duration_ck', sql`${t.durationMinutes} between 5 and 480`),
		check('appointment_types_buffer_ck', sql`${t.bufferMinutes} between 0 and 240`)
	]
);

/**
 * A provider's weekly working hours at one location, in that location's (or a chosen) time zone:
 * "Mondays 09:00–12:30 America/New_York at Main St". Minutes from local midnight, so a rule means
 * the same wall-clock hours on both sides of a daylight-saving change.
 */
export const availabilityRules = pgTable(
	'availability_rules',
	{
		id: id(),
		practitionerId: uuid('practitioner_id')
			.notNull()
			.references(() => practitioners.id, { onDelete: 'cascade' }),
		locationId: uuid('location_id')
			.notNull()
			.references(() => locations.id, { onDelete: 'cascade' }),
		/** ISO weekday: 1 Monday … 7 Sunday. */
		weekday: smallint('weekday').notNull(),
		startMinute: integer('start_minute').notNull(),
		endMinute: integer('end_minute').notNull(),
		/** IANA zone the minutes are read in. */
		timeZone: text('time_zone').notNull(),
		/** Which kinds of visit these hours take; both by default. */
		modalities: text('modalities').array().$type<AppointmentModality[]>().notNull().default(sql`ARRAY['in_person','telehealth']::text[]`),
		/** Local dates the rule applies from/until (inclusive); null is open-ended. */
		validFrom: date('valid_from', { mode: 'string' }),
		validUntil: date('valid_until', { mode: 'string' }),
		...timestamps
	},
	(t) => [
		index('availability_rules_practitioner_idx').on(t.practitionerId, t.weekday),
		check('availability_rules_weekday_ck', sql`${t.weekday} between 1 and 7`),
		check('availability_rules_minutes_ck', sql`${t.startMinute} >= 0 and ${t.endMinute} <= 1440 and ${t.startMinute} < ${t.endMinute}`)
	]
);

export const availabilityExceptionKinds = ['block', 'extra'] as const;
export const blockCategories = ['personal', 'professional', 'other'] as const;

/**
 * Exceptions to the weekly hours. A block (holiday, conference, "personal") is never offered as a
 * slot; extra hours add availability for one stretch of time.
 */
export const availabilityExceptions = pgTable(
	'availability_exceptions',
	{
		id: id(),
		practitionerId: uuid('practitioner_id')
			.notNull()
			.references(() => practitioners.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<(typeof availabilityExceptionKinds)[number]>().notNull(),
		category: text('category').$type<(typeof blockCategories)[number]>().notNull().default('other'),
		/** Required for extra hours (where they are worked). */
		locationId: uuid('location_id').references(() => locations.id, { onDelete: 'cascade' }),
		startsAt: timestamptz('starts_at').notNull(),
		endsAt: timestamptz('ends_at').notNull(),
		/** Staff-only note; never shown to patients. */
		reason: text('reason').notNull().default(''),
		createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [
		index('availability_exceptions_practitioner_idx').on(t.practitionerId, t.startsAt),
		check('availability_exceptions_range_ck', sql`${t.startsAt} < ${t.endsAt}`)
	]
);

export const appointmentStatuses = ['booked', 'confirmed', 'checked_in', 'completed', 'no_show', 'cancelled'] as const;
export type AppointmentStatus = (typeof appointmentStatuses)[number];
/** Statuses whose time is held on the provider's calendar (the exclusion constraint's WHERE). */
export const timeHoldingStatuses = ['booked', 'confirmed', 'checked_in', 'completed', 'no_show'] as const satisfies readonly AppointmentStatus[];

export const urgencyLevels = ['routine', 'soon', 'urgent'] as const;
export type Urgency = (typeof urgencyLevels)[number];

export const bookingChannels = ['staff', 'portal'] as const;
export const reminderResponses = ['confirmed', 'cancelled', 'reschedule_requested'] as const;
export type ReminderResponse = (typeof reminderResponses)[number];

/**
 * A booked visit. Rescheduling moves the row (new times, version + 1) so links, reminders and
 * the consult room keep one identity; the audit trail keeps the history.
 */
export const appointments = pgTable(
	'appointments',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		practitionerId: uuid('practitioner_id')
			.notNull()
			.references(() => practitioners.id, { onDelete: 'restrict' }),
		/** Where an in-person visit happens; for telehealth, whose hours (and time zone) it was booked in. */
		locationId: uuid('location_id').references(() => locations.id, { onDelete: 'set null' }),
		appointmentTypeId: uuid('appointment_type_id')
			.notNull()
			.references(() => appointmentTypes.id, { onDelete: 'restrict' }),
		modality: text('modality').$type<AppointmentModality>().notNull(),
		startsAt: timestamptz('starts_at').notNull(),
		endsAt: timestamptz('ends_at').notNull(),
		/** ends_at + the type's buffer: the end of the time the provider's calendar holds. */
		occupiedUntil: timestamptz('occupied_until').notNull(),
		status: text('status').$type<AppointmentStatus>().notNull().default('booked'),
		urgency: text('urgency').$type<Urgency>().notNull().default('routine'),
		/** The patient's words; PHI, never logged. */
		reason: text('reason').notNull().default(''),
		/** Staff notes. */
		notes: text('notes').notNull().default(''),
		bookedByUserId: uuid('booked_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		bookedVia: text('booked_via').$type<(typeof bookingChannels)[number]>().notNull(),
		/** Bumped on every change; a stale edit (reschedule, status) is refused rather than applied. */
		version: integer('version').notNull().default(1),
		rescheduleCount: integer('reschedule_count').notNull().default(0),
		confirmedAt: timestamptz('confirmed_at'),
		checkedInAt: timestamptz('checked_in_at'),
		completedAt: timestamptz('completed_at'),
		noShowAt: timestamptz('no_show_at'),
		cancelledAt: timestamptz('cancelled_at'),
		cancelledByUserId: uuid('cancelled_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		cancellationReason: text('cancellation_reason'),
		/** The patient's answer to a reminder link, if any. */
		reminderResponse: text('reminder_response').$type<ReminderResponse>(),
		reminderRespondedAt: timestamptz('reminder_responded_at'),
		/** Set when staff should look (no reminder answer by the deadline, a reschedule request…). */
		flaggedAt: timestamptz('flagged_at'),
		flagReason: text('flag_reason'),
		/** The visit's encounter once it starts (the consult note, issue 7). */
		encounterId: uuid('encounter_id').references(() => encounters.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [
		index('appointments_practitioner_start_idx').on(t.practitionerId, t.startsAt),
		index('appointments_patient_start_idx').on(t.patientId, t.startsAt),
		index('appointments_start_idx').on(t.startsAt),
		index('appointments_location_start_idx').on(t.locationId, t.startsAt),
		check('appointments_range_ck', sql`${t.startsAt} < ${t.endsAt} and ${t.endsAt} <= ${t.occupiedUntil}`)
	]
);

export const schedulingRequestStatuses = ['waiting', 'scheduled', 'cancelled'] as const;

/**
 * A request for a visit that is not booked yet: the prioritisation queue. Sorted by urgency, then
 * by `rank` (staff reorder by drag and drop; fractional so one move writes one row).
 */
export const schedulingRequests = pgTable(
	'scheduling_requests',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		urgency: text('urgency').$type<Urgency>().notNull().default('routine'),
		rank: doublePrecision('rank').notNull(),
		appointmentTypeId: uuid('appointment_type_id')
			.notNull()
			.references(() => appointmentTypes.id, { onDelete: 'restrict' }),
		/** Preferred provider; null means whoever is first available. */
		practitionerId: uuid('practitioner_id').references(() => practitioners.id, { onDelete: 'set null' }),
		locationId: uuid('location_id').references(() => locations.id, { onDelete: 'set null' }),
		reason: text('reason').notNull().default(''),
		notes: text('notes').notNull().default(''),
		/** The latest date the visit should happen by, if clinically required. */
		neededBy: date('needed_by', { mode: 'string' }),
		status: text('status').$type<(typeof schedulingRequestStatuses)[number]>().notNull().default('waiting'),
		appointmentId: uuid('appointment_id').references(() => appointments.id, { onDelete: 'set null' }),
		requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [index('scheduling_requests_queue_idx').on(t.status, t.urgency, t.rank), index('scheduling_requests_patient_idx').on(t.patientId)]
);

export const capacityScopes = ['clinic', 'location', 'practitioner'] as const;
export type CapacityScope = (typeof capacityScopes)[number];

/**
 * Capacity thresholds. `day` null is the standing limit; a row for one day overrides it (adjusted
 * during the day). `scope_key` is 'clinic', 'location:<id>' or 'practitioner:<id>'.
 */
export const capacityLimits = pgTable(
	'capacity_limits',
	{
		id: id(),
		scope: text('scope').$type<CapacityScope>().notNull(),
		scopeKey: text('scope_key').notNull(),
		locationId: uuid('location_id').references(() => locations.id, { onDelete: 'cascade' }),
		practitionerId: uuid('practitioner_id').references(() => practitioners.id, { onDelete: 'cascade' }),
		day: date('day', { mode: 'string' }),
		maxAppointments: integer('max_appointments'),
		maxBookedMinutes: integer('max_booked_minutes'),
		/** Staff are alerted when utilization reaches this percentage of a limit. */
		warnAtPercent: integer('warn_at_percent').notNull().default(80),
		updatedByUserId: uuid('updated_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [
		uniqueIndex('capacity_limits_scope_day_uq').on(t.scopeKey, sql`coalesce(${t.day}, '0001-01-01'::date)`),
		check('capacity_limits_some_limit_ck', sql`${t.maxAppointments} is not null or ${t.maxBookedMinutes} is not null`),
		check('capacity_limits_warn_ck', sql`${t.warnAtPercent} between 1 and 100`)
	]
);

/** One alert per scope, day and level: staff are told once when a threshold is near, once when passed. */
export const capacityAlerts = pgTable(
	'capacity_alerts',
	{
		id: id(),
		scopeKey: text('scope_key').notNull(),
		day: date('day', { mode: 'string' }).notNull(),
		level: text('level').$type<'near' | 'over'>().notNull(),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(t) => [uniqueIndex('capacity_alerts_scope_day_level_uq').on(t.scopeKey, t.day, t.level)]
);

/** Clinic-wide scheduling settings (one row per clinic, created on first use with these defaults). */
export const schedulingSettings = pgTable('scheduling_settings', {
	clinicId: uuid('clinic_id')
		.primaryKey()
		.references(() => clinics.id, { onDelete: 'cascade' }),
	emailLeadHours: integer('email_lead_hours').array().notNull().default(sql`ARRAY[24]::integer[]`),
	smsLeadHours: integer('sms_lead_hours').array().notNull().default(sql`ARRAY[2]::integer[]`),
	/** A reminder not answered this many hours before the visit escalates to the other channel and flags the visit. */
	responseDeadlineHours: integer('response_deadline_hours').notNull().default(4),
	/** Slots start on multiples of this many minutes from the start of working hours. */
	slotStepMinutes: integer('slot_step_minutes').notNull().default(15),
	/** How far ahead patients may book in the portal. */
	bookingHorizonDays: integer('booking_horizon_days').notNull().default(90),
	/** How soon patients may book in the portal (staff may book any free time). */
	minimumNoticeHours: integer('minimum_notice_hours').notNull().default(2),
	updatedAt: timestamptz('updated_at').notNull().defaultNow()
});

export const reminderChannels = ['email', 'sms'] as const;
export type ReminderChannel = (typeof reminderChannels)[number];
export const reminderStatuses = ['scheduled', 'queued', 'skipped', 'cancelled'] as const;
export const reminderPurposes = ['reminder', 'escalation'] as const;

/**
 * Reminders planned for an appointment, one row per channel and lead time, for the appointment's
 * start at planning time (`for_starts_at`): a reschedule cancels the rows and plans new ones.
 * 'queued' means handed to the durable outbox (outbox_messages, idempotency key
 * 'reminder:<id>') in the same transaction, which then delivers it exactly once.
 */
export const appointmentReminders = pgTable(
	'appointment_reminders',
	{
		id: id(),
		appointmentId: uuid('appointment_id')
			.notNull()
			.references(() => appointments.id, { onDelete: 'cascade' }),
		channel: text('channel').$type<ReminderChannel>().notNull(),
		purpose: text('purpose').$type<(typeof reminderPurposes)[number]>().notNull().default('reminder'),
		leadHours: integer('lead_hours').notNull(),
		forStartsAt: timestamptz('for_starts_at').notNull(),
		dueAt: timestamptz('due_at').notNull(),
		language: text('language').$type<Language>().notNull(),
		status: text('status').$type<(typeof reminderStatuses)[number]>().notNull().default('scheduled'),
		/** Why it was skipped (no email address, channel turned off…). */
		skipReason: text('skip_reason'),
		outboxIdempotencyKey: text('outbox_idempotency_key'),
		queuedAt: timestamptz('queued_at'),
		/** Set when the escalation for this reminder was planned (no answer by the deadline). */
		escalatedAt: timestamptz('escalated_at'),
		...timestamps
	},
	(t) => [
		uniqueIndex('appointment_reminders_plan_uq').on(t.appointmentId, t.channel, t.purpose, t.leadHours, t.forStartsAt),
		index('appointment_reminders_due_idx').on(t.status, t.dueAt),
		index('appointment_reminders_appointment_idx').on(t.appointmentId)
	]
);

export const appointmentLinkActions = ['confirm', 'cancel', 'reschedule'] as const;
export type AppointmentLinkAction = (typeof appointmentLinkActions)[number];

/**
 * Signed, single-use links in reminders. The URL carries the row id, the action, the expiry and
 * an HMAC over them; the row makes it single-use (used_at is set by the first use, atomically).
 */
export const appointmentActionLinks = pgTable(
	'appointment_action_links',
	{
		id: id(),
		appointmentId: uuid('appointment_id')
			.notNull()
			.references(() => appointments.id, { onDelete: 'cascade' }),
		reminderId: uuid('reminder_id').references(() => appointmentReminders.id, { onDelete: 'set null' }),
		action: text('action').$type<AppointmentLinkAction>().notNull(),
		expiresAt: timestamptz('expires_at').notNull(),
		usedAt: timestamptz('used_at'),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(t) => [index('appointment_action_links_appointment_idx').on(t.appointmentId)]
);

/** A provider's private iCalendar feed: the URL carries a random token, the table its SHA-256. */
export const calendarFeeds = pgTable(
	'calendar_feeds',
	{
		practitionerId: uuid('practitioner_id')
			.primaryKey()
			.references(() => practitioners.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull(),
		createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(t) => [uniqueIndex('calendar_feeds_token_uq').on(t.tokenHash)]
);

/** A trained no-show model: logistic regression weights over named features, with its held-out AUC. */
export const noShowModels = pgTable('no_show_models', {
	id: id(),
	features: text('features').array().notNull(),
	/** Feature name → weight, plus 'intercept'; and the standardisation (mean, sd) used in training. */
	parameters: jsonb('parameters').$type<{ weights: Record<string, number>; intercept: number; scaling: Record<string, { mean: number; sd: number }> }>().notNull(),
	auc: doublePrecision('auc').notNull(),
	trainCount: integer('train_count').notNull(),
	testCount: integer('test_count').notNull(),
	/** Share of no-shows in the training history. */
	baseRate: doublePrecision('base_rate').notNull(),
	trainedByUserId: uuid('trained_by_user_id').references(() => users.id, { onDelete: 'set null' }),
	trainedAt: timestamptz('trained_at').notNull().defaultNow()
});

export type AppointmentType = typeof appointmentTypes.$inferSelect;
export type NewAppointmentType = typeof appointmentTypes.$inferInsert;
export type AvailabilityRule = typeof availabilityRules.$inferSelect;
export type NewAvailabilityRule = typeof availabilityRules.$inferInsert;
export type AvailabilityException = typeof availabilityExceptions.$inferSelect;
export type NewAvailabilityException = typeof availabilityExceptions.$inferInsert;
export type Appointment = typeof appointments.$inferSelect;
export type NewAppointment = typeof appointments.$inferInsert;
export type SchedulingRequest = typeof schedulingRequests.$inferSelect;
export type NewSchedulingRequest = typeof schedulingRequests.$inferInsert;
export type CapacityLimit = typeof capacityLimits.$inferSelect;
export type NewCapacityLimit = typeof capacityLimits.$inferInsert;
export type SchedulingSettings = typeof schedulingSettings.$inferSelect;
export type AppointmentReminder = typeof appointmentReminders.$inferSelect;
export type NewAppointmentReminder = typeof appointmentReminders.$inferInsert;
export type AppointmentActionLink = typeof appointmentActionLinks.$inferSelect;
export type CalendarFeed = typeof calendarFeeds.$inferSelect;
export type NoShowModel = typeof noShowModels.$inferSelect;
