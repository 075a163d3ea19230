import { pgTable, text, uuid, date, jsonb, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, timestamps } from './columns';
import type { Language } from './clinic';

export const sexes = ['female', 'male', 'other', 'unknown'] as const;
export type Sex = (typeof sexes)[number];

export interface CommunicationPreferences {
	email: boolean;
	sms: boolean;
	/** Hours before an appointment the patient wants reminders; empty uses the clinic default. */
	reminderLeadHours: number[];
	/** Per channel, overriding reminderLeadHours (scheduling reminders); absent or empty: as above. */
	emailLeadHours?: number[];
	smsLeadHours?: number[];
}

export const patients = pgTable(
	'patients',
	{
		id: id(),
		/** Medical record number, unique in the clinic, shown on every chart header. */
		mrn: text('mrn').notNull(),
		givenName: text('given_name').notNull(),
		familyName: text('family_name').notNull(),
		birthDate: date('birth_date', { mode: 'string' }).notNull(),
		sex: text('sex').$type<Sex>().notNull(),
		email: text('email'),
		phone: text('phone'),
		addressLine: text('address_line').notNull().default(''),
		city: text('city').notNull().default(''),
		region: text('region').notNull().default(''),
		postalCode: text('postal_code').notNull().default(''),
		preferredLanguage: text('preferred_language').$type<Language>().notNull().default('en'),
		communicationPreferences: jsonb('communication_preferences')
			.$type<CommunicationPreferences>()
			.notNull()
			.default({ email: true, sms: false, reminderLeadHours: [] }),
		/**
		 * "family given" lower-cased, kept by the database so search has one trigram-indexed
		 * column to match against whatever order people type names in.
		 */
		searchName: text('search_name')
			.notNull()
			.generatedAlwaysAs(sql`lower(family_name || ' ' || given_name)`),
		...timestamps
	},
	(t) => [
		uniqueIndex('patients_mrn_uq').on(t.mrn),
		// MRN prefix search compares bytes (collate "C"): with the database's own collation
		// (C.UTF-8, en_US…) LIKE 'x%' ORDER BY mrn cannot jump to the range and walks the index.
		index('patients_mrn_c_idx').on(sql`${t.mrn} collate "C"`),
		index('patients_search_name_trgm_idx').using('gin', sql`${t.searchName} gin_trgm_ops`),
		index('patients_birth_date_idx').on(t.birthDate),
		index('patients_family_given_idx').on(t.familyName, t.givenName)
	]
);

export const contactRelationships = ['emergency', 'parent', 'guardian', 'spouse', 'child', 'caregiver', 'other'] as const;

export const patientContacts = pgTable(
	'patient_contacts',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		relationship: text('relationship').$type<(typeof contactRelationships)[number]>().notNull(),
		name: text('name').notNull(),
		phone: text('phone'),
		email: text('email'),
		...timestamps
	},
	(t) => [index('patient_contacts_patient_idx').on(t.patientId)]
);

export type Patient = typeof patients.$inferSelect;
export type NewPatient = typeof patients.$inferInsert;
export type PatientContact = typeof patientContacts.$inferSelect;
export type NewPatientContact = typeof patientContacts.$inferInsert;
