import { pgTable, text, uuid, index, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns';
import { locations } from './clinic';
import { patients } from './patients';

export const practitionerKinds = ['physician', 'nurse'] as const;
export type PractitionerKind = (typeof practitionerKinds)[number];

/** Clinicians who deliver care. Front desk, billing and admins are accounts without a row here. */
export const practitioners = pgTable(
	'practitioners',
	{
		id: id(),
		kind: text('kind').$type<PractitionerKind>().notNull(),
		givenName: text('given_name').notNull(),
		familyName: text('family_name').notNull(),
		/** "MD", "DO", "RN", "NP"… as printed after the name. */
		credentials: text('credentials').notNull().default(''),
		specialty: text('specialty').notNull().default(''),
		/** US National Provider Identifier, 10 digits; optional outside the US. */
		npi: text('npi'),
		primaryLocationId: uuid('primary_location_id').references(() => locations.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [uniqueIndex('practitioners_npi_uq').on(t.npi), index('practitioners_location_idx').on(t.primaryLocationId)]
);

/** The people responsible for one patient's care; membership is what opens a chart (issue 3). */
export const careTeams = pgTable(
	'care_teams',
	{
		id: id(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		...timestamps
	},
	(t) => [index('care_teams_patient_idx').on(t.patientId)]
);

export const careTeamRoles = ['primary', 'member'] as const;

export const careTeamMembers = pgTable(
	'care_team_members',
	{
		careTeamId: uuid('care_team_id')
			.notNull()
			.references(() => careTeams.id, { onDelete: 'cascade' }),
		practitionerId: uuid('practitioner_id')
			.notNull()
			.references(() => practitioners.id, { onDelete: 'cascade' }),
		role: text('role').$type<(typeof careTeamRoles)[number]>().notNull().default('member'),
		...timestamps
	},
	(t) => [
		primaryKey({ name: 'care_team_members_pk', columns: [t.careTeamId, t.practitionerId] }),
		index('care_team_members_practitioner_idx').on(t.practitionerId)
	]
);

export type Practitioner = typeof practitioners.$inferSelect;
export type NewPractitioner = typeof practitioners.$inferInsert;
export type CareTeam = typeof careTeams.$inferSelect;
export type NewCareTeam = typeof careTeams.$inferInsert;
export type CareTeamMember = typeof careTeamMembers.$inferSelect;
export type NewCareTeamMember = typeof careTeamMembers.$inferInsert;
