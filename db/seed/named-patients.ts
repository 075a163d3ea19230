import type { Language, ProxyScope, Role, Sex } from '../schema/index';
import type { ConditionKey } from './clinical-catalog';
import type { StaffKey } from './demo-staff';

/**
 * The patients a demo walks through, the same in every load whatever the patient count:
 * a child whose parent uses the portal, a senior whose daughter is his caregiver, and an
 * adult with her own portal account. Their charts are scripted; everyone else is random.
 */

export type ConditionCourse =
	/** Diagnosed inside the two-year window: values are high, treatment starts, they come down. */
	| 'new'
	/** Known for years and controlled on treatment. */
	| 'established'
	/** Known for years, not controlled until treatment is stepped up inside the window. */
	| 'uncontrolled';

export interface ScriptedHistory {
	conditions: readonly {
		key: ConditionKey;
		course: ConditionCourse;
		/** For a new problem: how long before the load it was diagnosed. */
		onsetDaysAgo?: number;
		/** For an uncontrolled one: how long before the load treatment was stepped up. */
		stepUpDaysAgo?: number;
	}[];
	allergies: readonly { substance: string; reaction: string; severity: 'mild' | 'moderate' | 'severe' }[];
	/** Acute problems seen inside the window (and only these). */
	acuteProblems: readonly ConditionKey[];
}

export interface PortalAccount {
	email: string;
	role: Extract<Role, 'patient' | 'proxy'>;
	givenName: string;
	familyName: string;
	description: string;
	/** For a proxy: the grant on the patient's record. */
	grant?: {
		relationship: 'parent' | 'guardian' | 'caregiver';
		scopes: ProxyScope[];
		/** When the grant ends: at the child's 18th birthday, or a year from the load. */
		expires: 'eighteenth-birthday' | 'one-year';
	};
}

export interface NamedPatient {
	givenName: string;
	familyName: string;
	sex: Sex;
	/** Age in years on the day the demo is loaded. */
	ageYears: number;
	city: string;
	preferredLanguage: Language;
	email: string | null;
	primaryPhysician: StaffKey;
	history: ScriptedHistory;
	contact: { relationship: 'parent' | 'caregiver' | 'spouse'; givenName: string; familyName: string; email: string | null };
	account: PortalAccount;
}

export const namedPatients: readonly NamedPatient[] = [
	{
		givenName: 'Mia',
		familyName: 'Johnson',
		sex: 'female',
		ageYears: 7.4,
		city: 'Riverside',
		preferredLanguage: 'en',
		email: null,
		primaryPhysician: 'okafor',
		history: {
			conditions: [{ key: 'asthma', course: 'established' }],
			allergies: [{ substance: 'Peanut', reaction: 'Anaphylaxis', severity: 'severe' }],
			acuteProblems: ['otitisMedia', 'upperRespiratoryInfection']
		},
		contact: { relationship: 'parent', givenName: 'Sarah', familyName: 'Johnson', email: 'sarah.johnson@example.com' },
		account: {
			email: 'sarah.johnson@example.com',
			role: 'proxy',
			givenName: 'Sarah',
			familyName: 'Johnson',
			description: "Parent of Mia Johnson (7): proxy for messages, appointments, records and billing until Mia's 18th birthday",
			grant: { relationship: 'parent', scopes: ['messages', 'appointments', 'records', 'billing'], expires: 'eighteenth-birthday' }
		}
	},
	{
		givenName: 'Walter',
		familyName: 'Brooks',
		sex: 'male',
		ageYears: 84.3,
		city: 'Northgate',
		preferredLanguage: 'en',
		email: null,
		primaryPhysician: 'alvarez',
		history: {
			conditions: [
				{ key: 'hypertension', course: 'uncontrolled', stepUpDaysAgo: 300 },
				{ key: 'atrialFibrillation', course: 'established' },
				{ key: 'chronicKidneyDisease', course: 'established' },
				{ key: 'hyperlipidemia', course: 'established' },
				{ key: 'kneeOsteoarthritisRight', course: 'established' }
			],
			allergies: [{ substance: 'Penicillin', reaction: 'Hives', severity: 'moderate' }],
			acuteProblems: ['urinaryTractInfection']
		},
		contact: { relationship: 'caregiver', givenName: 'Linda', familyName: 'Brooks', email: 'linda.brooks@example.com' },
		account: {
			email: 'linda.brooks@example.com',
			role: 'proxy',
			givenName: 'Linda',
			familyName: 'Brooks',
			description: 'Caregiver (daughter) of Walter Brooks (84): proxy for messages, appointments and records, no billing; expires in a year',
			grant: { relationship: 'caregiver', scopes: ['messages', 'appointments', 'records'], expires: 'one-year' }
		}
	},
	{
		givenName: 'Maria',
		familyName: 'Garcia',
		sex: 'female',
		ageYears: 52.6,
		city: 'Riverside',
		preferredLanguage: 'es',
		email: 'maria.garcia@example.com',
		primaryPhysician: 'chen',
		history: {
			conditions: [
				{ key: 'type2Diabetes', course: 'new', onsetDaysAgo: 430 },
				{ key: 'hypertension', course: 'established' },
				{ key: 'hyperlipidemia', course: 'established' },
				{ key: 'obesity', course: 'established' }
			],
			allergies: [{ substance: 'Sulfonamide antibiotics', reaction: 'Rash', severity: 'moderate' }],
			acuteProblems: ['sinusitis']
		},
		contact: { relationship: 'spouse', givenName: 'Jorge', familyName: 'Garcia', email: null },
		account: {
			email: 'maria.garcia@example.com',
			role: 'patient',
			givenName: 'Maria',
			familyName: 'Garcia',
			description: 'Patient of Dr. Chen (52, prefers Spanish): type 2 diabetes diagnosed last year, A1c coming down on metformin'
		}
	}
];
