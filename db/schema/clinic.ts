import { pgTable, text, integer, jsonb, uniqueIndex, index, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, timestamps } from './columns';

export const supportedLanguages = ['en', 'es', 'pt', 'fr', 'zh'] as const;
export type Language = (typeof supportedLanguages)[number];

/**
 * One installation serves one clinic (a practice of 1–50 providers): the table holds a single
 * row, created by the setup page, so clinic-wide settings have a home. Other tables do not carry
 * a clinic id for that reason.
 */
export const clinics = pgTable('clinics', {
	id: id(),
	name: text('name').notNull(),
	timeZone: text('time_zone').notNull(),
	defaultLanguage: text('default_language').$type<Language>().notNull().default('en'),
	/** Minutes of inactivity before automatic logoff (HIPAA §164.312(a)(2)(iii)). */
	idleTimeoutMinutes: integer('idle_timeout_minutes').notNull().default(15),
	/** Roles that must pass a second factor at sign-in; staff by default. */
	mfaRequiredRoles: text('mfa_required_roles')
		.array()
		.notNull()
		.default(sql`ARRAY['clinic_admin','physician','nurse','front_desk','billing']::text[]`),
	settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
	...timestamps
});

export const locations = pgTable(
	'locations',
	{
		id: id(),
		clinicId: uuid('clinic_id')
			.notNull()
			.references(() => clinics.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		addressLine: text('address_line').notNull().default(''),
		city: text('city').notNull().default(''),
		region: text('region').notNull().default(''),
		postalCode: text('postal_code').notNull().default(''),
		phone: text('phone').notNull().default(''),
		timeZone: text('time_zone').notNull(),
		...timestamps
	},
	(t) => [uniqueIndex('locations_clinic_name_uq').on(t.clinicId, t.name), index('locations_clinic_idx').on(t.clinicId)]
);

export type Clinic = typeof clinics.$inferSelect;
export type NewClinic = typeof clinics.$inferInsert;
export type Location = typeof locations.$inferSelect;
export type NewLocation = typeof locations.$inferInsert;
