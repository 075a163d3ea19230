import type {
	NewAllergy,
	NewCareTeam,
	NewCareTeamMember,
	NewClinic,
	NewEncounter,
	NewLocation,
	NewMedication,
	NewObservation,
	NewPatientContact,
	NewPractitioner,
	NewProblem,
	NewProxyGrant,
	NewUser
} from '../schema/index';
import { addYears, epochDayOf, isoDateOf, zonedDay, zonedInstant } from './clinic-calendar';
import { generateClinicalHistory } from './clinical-history';
import { demoClinic, demoLocations, demoStaff, northgateTowns, npiWithCheckDigit, type LocationKey, type StaffKey } from './demo-staff';
import { catchmentTowns, emailAddress, fictionalPhone, generatePatients, type GeneratedPatient } from './generate-patients';
import { namedPatients, type NamedPatient } from './named-patients';
import { SeededRandom } from './random';

/**
 * Every row of the demo clinic, built in memory before anything is written, so the load is
 * one short transaction of batched inserts and the plan can be checked without a database.
 * Ids are drawn from the seed too: the same seed and day give the same clinic, ids included.
 */

export interface DemoClinicPlanOptions {
	seed: number;
	now: Date;
	/** Includes the named patients, who are always the first rows. */
	patientCount: number;
	/** The one hash of the shared demo password, used by every account. */
	passwordHash: string;
}

export interface DemoClinicPlan {
	clinic: NewClinic & { id: string };
	locations: NewLocation[];
	practitioners: NewPractitioner[];
	patients: GeneratedPatient[];
	contacts: NewPatientContact[];
	careTeams: NewCareTeam[];
	careTeamMembers: NewCareTeamMember[];
	users: NewUser[];
	proxyGrants: NewProxyGrant[];
	encounters: NewEncounter[];
	problems: NewProblem[];
	allergies: NewAllergy[];
	medications: NewMedication[];
	observations: NewObservation[];
}

/** Days of history behind "today": just under two years, so every past visit is within two years. */
const historyDays = 725;

export function planDemoClinic(options: DemoClinicPlanOptions): DemoClinicPlan {
	const timeZone = demoClinic.timeZone;
	const random = new SeededRandom(options.seed + 1);
	const today = zonedDay(options.now, timeZone);
	const window = { today, start: today - historyDays };

	const clinic = { id: random.uuid(), ...demoClinic };
	const locationIds: Record<LocationKey, string> = { main: random.uuid(), northgate: random.uuid() };
	const locations: NewLocation[] = (Object.keys(demoLocations) as LocationKey[]).map((key) => ({
		id: locationIds[key],
		clinicId: clinic.id,
		timeZone,
		...demoLocations[key]
	}));

	const practitionerIds = new Map<StaffKey, string>();
	const practitioners: NewPractitioner[] = [];
	for (const member of demoStaff) {
		if (!member.practitioner) continue;
		const id = random.uuid();
		practitionerIds.set(member.key, id);
		practitioners.push({
			id,
			kind: member.practitioner.kind,
			givenName: member.givenName,
			familyName: member.familyName,
			credentials: member.practitioner.credentials,
			specialty: member.practitioner.specialty,
			npi: npiWithCheckDigit(member.practitioner.npiBody),
			primaryLocationId: locationIds[member.practitioner.location]
		});
	}
	const practitionerId = (key: StaffKey) => {
		const id = practitionerIds.get(key);
		if (!id) throw new Error(`Demo staff member ${key} is not a practitioner`);
		return id;
	};

	const patients = generatePatients({ count: Math.max(options.patientCount, namedPatients.length), seed: options.seed, now: options.now, timeZone });
	namedPatients.forEach((named, index) => {
		patients[index] = withNamedIdentity(patients[index]!, named, today);
	});
	for (const patient of patients.slice(namedPatients.length)) {
		while (resemblesNamedPatient(patient)) patient.familyName = random.faker.person.lastName();
	}

	const plan: DemoClinicPlan = {
		clinic,
		locations,
		practitioners,
		patients,
		contacts: [],
		careTeams: [],
		careTeamMembers: [],
		users: [],
		proxyGrants: [],
		encounters: [],
		problems: [],
		allergies: [],
		medications: [],
		observations: []
	};

	patients.forEach((patient, index) => {
		const named: NamedPatient | undefined = namedPatients[index];
		const location: LocationKey = northgateTowns.has(patient.city) ? 'northgate' : 'main';
		const age = (today - epochDayOf(patient.birthDate)) / 365.2425;
		const primary = named?.primaryPhysician ?? primaryPhysicianFor(age, location);
		const nurse: StaffKey = location === 'northgate' ? 'kim' : 'patel';
		const careTeamId = random.uuid();
		plan.careTeams.push({ id: careTeamId, patientId: patient.id, name: 'Care team' });
		plan.careTeamMembers.push(
			{ careTeamId, practitionerId: practitionerId(primary), role: 'primary' },
			{ careTeamId, practitionerId: practitionerId(nurse), role: 'member' }
		);
		plan.contacts.push(...contactsFor(random, patient, age, named));
		const history = generateClinicalHistory(random, {
			patient,
			primaryPhysicianId: practitionerId(primary),
			nursePractitionerId: nurse === 'kim' ? practitionerId('kim') : null,
			locationId: locationIds[location],
			window,
			timeZone,
			scripted: named?.history
		});
		plan.encounters.push(...history.encounters);
		plan.problems.push(...history.problems);
		plan.allergies.push(...history.allergies);
		plan.medications.push(...history.medications);
		plan.observations.push(...history.observations);
	});

	for (const member of demoStaff) {
		plan.users.push({
			id: random.uuid(),
			email: member.email.toLowerCase(),
			displayName: member.displayName,
			passwordHash: options.passwordHash,
			role: member.role,
			practitionerId: practitionerIds.get(member.key) ?? null
		});
	}
	namedPatients.forEach(({ account }, index) => {
		const patient = patients[index]!;
		const userId = random.uuid();
		plan.users.push({
			id: userId,
			email: account.email.toLowerCase(),
			displayName: `${account.givenName} ${account.familyName}`,
			passwordHash: options.passwordHash,
			role: account.role,
			patientId: account.role === 'patient' ? patient.id : null
		});
		if (account.grant) {
			const expiresAt =
				account.grant.expires === 'eighteenth-birthday'
					? zonedInstant(epochDayOf(addYears(patient.birthDate, 18)), 0, timeZone)
					: new Date(options.now.getTime() + 365 * 86_400_000);
			plan.proxyGrants.push({
				id: random.uuid(),
				patientId: patient.id,
				proxyUserId: userId,
				relationship: account.grant.relationship,
				scopes: account.grant.scopes,
				expiresAt
			});
		}
	});
	return plan;
}

/** Children see the pediatrician, 70 and over the geriatrician, other adults their location's family physician. */
function primaryPhysicianFor(age: number, location: LocationKey): StaffKey {
	if (age < 18) return 'okafor';
	if (age >= 70) return 'alvarez';
	return location === 'main' ? 'chen' : 'reed';
}

/**
 * A random "Mariana Garcia" would make "Maria Garcia" ambiguous in a search, and the demo
 * script and e2e tests open the named patients by name: random patients keep clear of them.
 */
function resemblesNamedPatient(patient: GeneratedPatient): boolean {
	return namedPatients.some(
		(named) =>
			patient.familyName.toLowerCase() === named.familyName.toLowerCase() &&
			patient.givenName.toLowerCase().startsWith(named.givenName.toLowerCase())
	);
}

function withNamedIdentity(generated: GeneratedPatient, named: NamedPatient, today: number): GeneratedPatient {
	const town = catchmentTowns.find(([t]) => t.city === named.city)?.[0];
	return {
		...generated,
		givenName: named.givenName,
		familyName: named.familyName,
		sex: named.sex,
		birthDate: isoDateOf(today - Math.round(named.ageYears * 365.2425)),
		email: named.email,
		city: named.city,
		postalCode: town?.postalCode ?? generated.postalCode,
		preferredLanguage: named.preferredLanguage,
		communicationPreferences: { email: named.email !== null, sms: true, reminderLeadHours: [24] }
	};
}

function contactsFor(random: SeededRandom, patient: GeneratedPatient, age: number, named: NamedPatient | undefined): NewPatientContact[] {
	const contact = (relationship: NewPatientContact['relationship'], name: string, email: string | null): NewPatientContact => ({
		id: random.uuid(),
		patientId: patient.id,
		relationship,
		name,
		phone: relationship === 'parent' && age < 18 ? patient.phone : fictionalPhone(random),
		email
	});
	if (named) return [contact(named.contact.relationship, `${named.contact.givenName} ${named.contact.familyName}`, named.contact.email)];
	const faker = random.faker;
	// Every child's chart names a parent; about half of adults list someone to call.
	if (age < 18) {
		const given = faker.person.firstName(random.chance(0.6) ? 'female' : 'male');
		return [contact('parent', `${given} ${patient.familyName}`, random.chance(0.5) ? emailAddress(random, given, patient.familyName) : null)];
	}
	if (!random.chance(0.45)) return [];
	const relationship = random.weighted<NewPatientContact['relationship']>([
		['spouse', 45],
		['emergency', 35],
		['child', age >= 60 ? 40 : 0]
	]);
	const familyName = relationship === 'emergency' || random.chance(0.3) ? faker.person.lastName() : patient.familyName;
	return [contact(relationship, `${faker.person.firstName()} ${familyName}`, null)];
}
