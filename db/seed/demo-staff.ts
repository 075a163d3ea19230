import type { NewClinic, NewLocation, PractitionerKind, Role } from '../schema/index';

/**
 * Who works at the demo clinic. Emails are fixed and documented (the README and the e2e tests
 * sign in with them); every demo account shares one password, `demoPassword`.
 */

export const demoPassword = 'demo-password-2026';

export const demoClinic = {
	name: 'Riverside Family Health',
	timeZone: 'America/New_York',
	defaultLanguage: 'en',
	idleTimeoutMinutes: 15
} as const satisfies Omit<NewClinic, 'id'>;

export type LocationKey = 'main' | 'northgate';

export const demoLocations: Record<LocationKey, Omit<NewLocation, 'id' | 'clinicId' | 'timeZone'>> = {
	main: {
		name: 'Riverside Main Clinic',
		addressLine: '120 River Road',
		city: 'Riverside',
		region: 'NY',
		postalCode: '12561',
		phone: '(845) 555-0100'
	},
	northgate: {
		name: 'Northgate Clinic',
		addressLine: '48 Northgate Plaza, Suite 2',
		city: 'Northgate',
		region: 'NY',
		postalCode: '12563',
		phone: '(845) 555-0110'
	}
};

/** Towns whose patients are seen at Northgate; everyone else goes to the main clinic. */
export const northgateTowns: ReadonlySet<string> = new Set(['Northgate', 'Oak Hill', 'Pine Plains']);

export type StaffKey = 'admin' | 'chen' | 'okafor' | 'alvarez' | 'reed' | 'patel' | 'kim' | 'frontDesk' | 'billing';

export interface StaffMember {
	key: StaffKey;
	email: string;
	role: Role;
	givenName: string;
	familyName: string;
	displayName: string;
	/** What to try with this account, for the README's account list. */
	description: string;
	practitioner?: {
		kind: PractitionerKind;
		credentials: string;
		specialty: string;
		location: LocationKey;
		/** First nine digits of a fictional NPI; the check digit is computed. */
		npiBody: string;
	};
}

export const demoStaff: readonly StaffMember[] = [
	{
		key: 'admin',
		email: 'admin@riverside.example',
		role: 'clinic_admin',
		givenName: 'Grace',
		familyName: 'Holloway',
		displayName: 'Grace Holloway',
		description: 'Practice manager: clinic settings, staff accounts, audit log'
	},
	{
		key: 'chen',
		email: 'dr.chen@riverside.example',
		role: 'physician',
		givenName: 'Emily',
		familyName: 'Chen',
		displayName: 'Dr. Emily Chen',
		description: 'Family medicine physician, Riverside Main; primary physician of most adults there (Maria Garcia among them)',
		practitioner: { kind: 'physician', credentials: 'MD', specialty: 'Family Medicine', location: 'main', npiBody: '132784560' }
	},
	{
		key: 'okafor',
		email: 'dr.okafor@riverside.example',
		role: 'physician',
		givenName: 'Adaeze',
		familyName: 'Okafor',
		displayName: 'Dr. Adaeze Okafor',
		description: 'Pediatrician; primary physician of every child (Mia Johnson among them)',
		practitioner: { kind: 'physician', credentials: 'MD', specialty: 'Pediatrics', location: 'main', npiBody: '158302946' }
	},
	{
		key: 'alvarez',
		email: 'dr.alvarez@riverside.example',
		role: 'physician',
		givenName: 'Luis',
		familyName: 'Alvarez',
		displayName: 'Dr. Luis Alvarez',
		description: 'Internal medicine and geriatrics; primary physician of patients 70 and older (Walter Brooks among them)',
		practitioner: { kind: 'physician', credentials: 'DO', specialty: 'Internal Medicine – Geriatrics', location: 'northgate', npiBody: '176459203' }
	},
	{
		key: 'reed',
		email: 'dr.reed@riverside.example',
		role: 'physician',
		givenName: 'Thomas',
		familyName: 'Reed',
		displayName: 'Dr. Thomas Reed',
		description: 'Family medicine physician, Northgate; primary physician of adults seen there',
		practitioner: { kind: 'physician', credentials: 'DO', specialty: 'Family Medicine', location: 'northgate', npiBody: '190283746' }
	},
	{
		key: 'patel',
		email: 'nurse.patel@riverside.example',
		role: 'nurse',
		givenName: 'Priya',
		familyName: 'Patel',
		displayName: 'Priya Patel, RN',
		description: 'Registered nurse on the care teams of Riverside Main patients',
		practitioner: { kind: 'nurse', credentials: 'RN', specialty: 'Ambulatory Care Nursing', location: 'main', npiBody: '143920587' }
	},
	{
		key: 'kim',
		email: 'nurse.kim@riverside.example',
		role: 'nurse',
		givenName: 'Daniel',
		familyName: 'Kim',
		displayName: 'Daniel Kim, NP',
		description: 'Family nurse practitioner on the care teams of Northgate patients; sees their acute visits',
		practitioner: { kind: 'nurse', credentials: 'NP', specialty: 'Family Nurse Practitioner', location: 'northgate', npiBody: '165830294' }
	},
	{
		key: 'frontDesk',
		email: 'frontdesk@riverside.example',
		role: 'front_desk',
		givenName: 'Jasmine',
		familyName: 'Reyes',
		displayName: 'Jasmine Reyes',
		description: 'Front desk: patient search, registration and scheduling; sees demographics only'
	},
	{
		key: 'billing',
		email: 'billing@riverside.example',
		role: 'billing',
		givenName: 'Marcus',
		familyName: 'Bell',
		displayName: 'Marcus Bell',
		description: 'Billing specialist: demographics and coded problems, no clinical notes'
	}
];

/**
 * NPI check digit: Luhn over the nine digits with the card-issuer prefix 80840, which adds a
 * constant 24 to the sum (CMS, "Requirements for NPI check digit").
 */
export function npiWithCheckDigit(body: string): string {
	if (!/^\d{9}$/.test(body)) throw new Error(`An NPI body has nine digits, not "${body}"`);
	let sum = 24;
	for (let i = 0; i < 9; i++) {
		const digit = Number(body[8 - i]);
		const doubled = i % 2 === 0 ? digit * 2 : digit;
		sum += doubled > 9 ? doubled - 9 : doubled;
	}
	return body + String((10 - (sum % 10)) % 10);
}
