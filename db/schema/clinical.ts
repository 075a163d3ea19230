import { pgTable, text, uuid, date, timestamp, doublePrecision, index } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { practitioners } from './care';
import { locations } from './clinic';

const patientRef = () =>
	uuid('patient_id')
		.notNull()
		.references(() => patients.id, { onDelete: 'cascade' });

export const encounterKinds = ['office_visit', 'telehealth', 'annual_exam', 'urgent_care', 'follow_up', 'procedure'] as const;
export const encounterStatuses = ['planned', 'in_progress', 'finished', 'cancelled'] as const;

export const encounters = pgTable(
	'encounters',
	{
		id: id(),
		patientId: patientRef(),
		practitionerId: uuid('practitioner_id').references(() => practitioners.id, { onDelete: 'set null' }),
		locationId: uuid('location_id').references(() => locations.id, { onDelete: 'set null' }),
		kind: text('kind').$type<(typeof encounterKinds)[number]>().notNull(),
		status: text('status').$type<(typeof encounterStatuses)[number]>().notNull(),
		startAt: timestamp('start_at', { withTimezone: true, mode: 'date' }).notNull(),
		endAt: timestamp('end_at', { withTimezone: true, mode: 'date' }),
		reason: text('reason').notNull().default(''),
		...timestamps
	},
	(t) => [index('encounters_patient_start_idx').on(t.patientId, t.startAt)]
);

export const problemStatuses = ['active', 'resolved', 'inactive'] as const;

/** Problem list entries, coded in ICD-10-CM. */
export const problems = pgTable(
	'problems',
	{
		id: id(),
		patientId: patientRef(),
		icd10Code: text('icd10_code').notNull(),
		description: text('description').notNull(),
		status: text('status').$type<(typeof problemStatuses)[number]>().notNull().default('active'),
		onsetDate: date('onset_date', { mode: 'string' }),
		resolvedDate: date('resolved_date', { mode: 'string' }),
		...timestamps
	},
	(t) => [index('problems_patient_idx').on(t.patientId)]
);

export const allergySeverities = ['mild', 'moderate', 'severe'] as const;

export const allergies = pgTable(
	'allergies',
	{
		id: id(),
		patientId: patientRef(),
		substance: text('substance').notNull(),
		reaction: text('reaction').notNull().default(''),
		severity: text('severity').$type<(typeof allergySeverities)[number]>().notNull(),
		status: text('status').$type<'active' | 'inactive'>().notNull().default('active'),
		...timestamps
	},
	(t) => [index('allergies_patient_idx').on(t.patientId)]
);

export const medications = pgTable(
	'medications',
	{
		id: id(),
		patientId: patientRef(),
		name: text('name').notNull(),
		/** RxNorm concept id when known. */
		rxnormCode: text('rxnorm_code'),
		dose: text('dose').notNull().default(''),
		frequency: text('frequency').notNull().default(''),
		status: text('status').$type<'active' | 'stopped' | 'completed'>().notNull().default('active'),
		startDate: date('start_date', { mode: 'string' }),
		endDate: date('end_date', { mode: 'string' }),
		prescriberId: uuid('prescriber_id').references(() => practitioners.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [index('medications_patient_idx').on(t.patientId)]
);

export const observationCategories = ['vital-signs', 'laboratory'] as const;

/** Vitals and lab results, coded in LOINC; numeric values carry UCUM units. */
export const observations = pgTable(
	'observations',
	{
		id: id(),
		patientId: patientRef(),
		encounterId: uuid('encounter_id').references(() => encounters.id, { onDelete: 'set null' }),
		category: text('category').$type<(typeof observationCategories)[number]>().notNull(),
		loincCode: text('loinc_code').notNull(),
		display: text('display').notNull(),
		value: doublePrecision('value'),
		valueText: text('value_text'),
		unit: text('unit').notNull().default(''),
		referenceLow: doublePrecision('reference_low'),
		referenceHigh: doublePrecision('reference_high'),
		effectiveAt: timestamp('effective_at', { withTimezone: true, mode: 'date' }).notNull(),
		...timestamps
	},
	(t) => [index('observations_patient_code_time_idx').on(t.patientId, t.loincCode, t.effectiveAt)]
);

export type Encounter = typeof encounters.$inferSelect;
export type NewEncounter = typeof encounters.$inferInsert;
export type Problem = typeof problems.$inferSelect;
export type NewProblem = typeof problems.$inferInsert;
export type Allergy = typeof allergies.$inferSelect;
export type NewAllergy = typeof allergies.$inferInsert;
export type Medication = typeof medications.$inferSelect;
export type NewMedication = typeof medications.$inferInsert;
export type Observation = typeof observations.$inferSelect;
export type NewObservation = typeof observations.$inferInsert;
