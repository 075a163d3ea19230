import { and, asc, count, desc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import {
	allergies,
	careTeamMembers,
	careTeams,
	encounters,
	locations,
	medications,
	observations,
	patientContacts,
	patients,
	practitioners,
	problems,
	type Language,
	type Sex
} from '../../../../db/schema/index';
import type { PatientAccess } from '../access/patient-access';

/**
 * The parts of a patient record as the chart overview shows them, one loader per part.
 * Each loader takes the PatientAccess that authorizePatient returned, so a caller has to hold
 * an access decision for that patient. The type is a convention, not a proof: only
 * getPatientOverview (overview.ts) calls these, after checking the part is allowed.
 */

export interface PatientDemographics {
	id: string;
	mrn: string;
	givenName: string;
	familyName: string;
	birthDate: string;
	sex: Sex;
	preferredLanguage: Language;
	email: string | null;
	phone: string | null;
	addressLine: string;
	city: string;
	region: string;
	postalCode: string;
	contacts: PatientContactSummary[];
	careTeam: CareTeamMemberSummary[];
}

export interface PatientContactSummary {
	id: string;
	relationship: string;
	name: string;
	phone: string | null;
	email: string | null;
}

export interface CareTeamMemberSummary {
	practitionerId: string;
	/** "Ana Ruiz, MD" */
	name: string;
	kind: 'physician' | 'nurse';
	specialty: string;
	role: 'primary' | 'member';
	teamName: string;
}

export interface PatientCodes {
	problems: ProblemSummary[];
	/** Most recent first, at most `encounterLimit`. */
	encounters: EncounterSummary[];
	encounterCount: number;
}

export interface ProblemSummary {
	id: string;
	icd10Code: string;
	description: string;
	status: 'active' | 'resolved' | 'inactive';
	onsetDate: string | null;
	resolvedDate: string | null;
}

export interface EncounterSummary {
	id: string;
	kind: string;
	status: string;
	startAt: string;
	endAt: string | null;
	reason: string;
	practitionerName: string | null;
	locationName: string | null;
}

export interface PatientClinical {
	allergies: AllergySummary[];
	/** Active medications only: the overview answers "what is this patient taking now". */
	medications: MedicationSummary[];
	vitals: VitalSeries[];
	/** The latest result of each laboratory test. */
	labs: LabResult[];
}

export interface AllergySummary {
	id: string;
	substance: string;
	reaction: string;
	severity: 'mild' | 'moderate' | 'severe';
	status: 'active' | 'inactive';
}

export interface MedicationSummary {
	id: string;
	name: string;
	dose: string;
	frequency: string;
	startDate: string | null;
	prescriberName: string | null;
}

export interface VitalSeries {
	loincCode: string;
	display: string;
	unit: string;
	/** Oldest first, as a chart draws them. */
	readings: { at: string; value: number }[];
}

export type LabInterpretation = 'low' | 'high' | 'normal' | null;

export interface LabResult {
	id: string;
	loincCode: string;
	display: string;
	value: number | null;
	valueText: string | null;
	unit: string;
	referenceLow: number | null;
	referenceHigh: number | null;
	effectiveAt: string;
	/** Against the reference range stored with the result; null when there is none to compare. */
	interpretation: LabInterpretation;
}

export const encounterLimit = 50;
/** Enough for years of monthly vitals; a chart of more points says nothing more. */
const vitalReadingLimit = 2000;

export async function loadDemographics(db: Database, access: PatientAccess): Promise<PatientDemographics> {
	const { patientId } = access;
	const [[patient], contacts, careTeam] = await Promise.all([
		db
			.select({
				id: patients.id,
				mrn: patients.mrn,
				givenName: patients.givenName,
				familyName: patients.familyName,
				birthDate: patients.birthDate,
				sex: patients.sex,
				preferredLanguage: patients.preferredLanguage,
				email: patients.email,
				phone: patients.phone,
				addressLine: patients.addressLine,
				city: patients.city,
				region: patients.region,
				postalCode: patients.postalCode
			})
			.from(patients)
			.where(eq(patients.id, patientId)),
		db
			.select({
				id: patientContacts.id,
				relationship: patientContacts.relationship,
				name: patientContacts.name,
				phone: patientContacts.phone,
				email: patientContacts.email
			})
			.from(patientContacts)
			.where(eq(patientContacts.patientId, patientId))
			.orderBy(asc(patientContacts.name)),
		db
			.select({
				practitionerId: practitioners.id,
				givenName: practitioners.givenName,
				familyName: practitioners.familyName,
				credentials: practitioners.credentials,
				kind: practitioners.kind,
				specialty: practitioners.specialty,
				role: careTeamMembers.role,
				teamName: careTeams.name
			})
			.from(careTeams)
			.innerJoin(careTeamMembers, eq(careTeamMembers.careTeamId, careTeams.id))
			.innerJoin(practitioners, eq(practitioners.id, careTeamMembers.practitionerId))
			.where(eq(careTeams.patientId, patientId))
			// 'primary' sorts before 'member' descending: the primary clinician leads the list.
			.orderBy(desc(careTeamMembers.role), asc(practitioners.familyName))
	]);
	// authorizePatient found the patient a moment ago; only a concurrent delete gets here.
	if (!patient) throw new Error('The patient record disappeared while it was being read.');
	return {
		...patient,
		contacts,
		careTeam: careTeam.map(({ givenName, familyName, credentials, ...member }) => ({
			...member,
			name: practitionerName(givenName, familyName, credentials)
		}))
	};
}

export async function loadCodes(db: Database, access: PatientAccess): Promise<PatientCodes> {
	const { patientId } = access;
	const [problemRows, encounterRows, [total]] = await Promise.all([
		db
			.select({
				id: problems.id,
				icd10Code: problems.icd10Code,
				description: problems.description,
				status: problems.status,
				onsetDate: problems.onsetDate,
				resolvedDate: problems.resolvedDate
			})
			.from(problems)
			.where(eq(problems.patientId, patientId))
			// Active problems first (a < i < r), then the most recent onset.
			.orderBy(asc(problems.status), desc(problems.onsetDate), asc(problems.description)),
		db
			.select({
				id: encounters.id,
				kind: encounters.kind,
				status: encounters.status,
				startAt: encounters.startAt,
				endAt: encounters.endAt,
				reason: encounters.reason,
				practitionerGiven: practitioners.givenName,
				practitionerFamily: practitioners.familyName,
				practitionerCredentials: practitioners.credentials,
				locationName: locations.name
			})
			.from(encounters)
			.leftJoin(practitioners, eq(practitioners.id, encounters.practitionerId))
			.leftJoin(locations, eq(locations.id, encounters.locationId))
			.where(eq(encounters.patientId, patientId))
			.orderBy(desc(encounters.startAt))
			.limit(encounterLimit),
		db.select({ n: count() }).from(encounters).where(eq(encounters.patientId, patientId))
	]);
	return {
		problems: problemRows,
		encounters: encounterRows.map((e) => ({
			id: e.id,
			kind: e.kind,
			status: e.status,
			startAt: e.startAt.toISOString(),
			endAt: e.endAt?.toISOString() ?? null,
			reason: e.reason,
			practitionerName: e.practitionerFamily === null ? null : practitionerName(e.practitionerGiven ?? '', e.practitionerFamily, e.practitionerCredentials ?? ''),
			locationName: e.locationName
		})),
		encounterCount: Number(total?.n ?? 0)
	};
}

export async function loadClinical(db: Database, access: PatientAccess): Promise<PatientClinical> {
	const { patientId } = access;
	const [allergyRows, medicationRows, vitalRows, labRows] = await Promise.all([
		db
			.select({
				id: allergies.id,
				substance: allergies.substance,
				reaction: allergies.reaction,
				severity: allergies.severity,
				status: allergies.status
			})
			.from(allergies)
			.where(eq(allergies.patientId, patientId))
			.orderBy(asc(allergies.status), asc(allergies.substance)),
		db
			.select({
				id: medications.id,
				name: medications.name,
				dose: medications.dose,
				frequency: medications.frequency,
				startDate: medications.startDate,
				prescriberGiven: practitioners.givenName,
				prescriberFamily: practitioners.familyName,
				prescriberCredentials: practitioners.credentials
			})
			.from(medications)
			.leftJoin(practitioners, eq(practitioners.id, medications.prescriberId))
			.where(and(eq(medications.patientId, patientId), eq(medications.status, 'active')))
			.orderBy(asc(medications.name)),
		db
			.select({
				loincCode: observations.loincCode,
				display: observations.display,
				unit: observations.unit,
				value: observations.value,
				effectiveAt: observations.effectiveAt
			})
			.from(observations)
			.where(and(eq(observations.patientId, patientId), eq(observations.category, 'vital-signs')))
			.orderBy(desc(observations.effectiveAt))
			.limit(vitalReadingLimit),
		db
			.selectDistinctOn([observations.loincCode], {
				id: observations.id,
				loincCode: observations.loincCode,
				display: observations.display,
				value: observations.value,
				valueText: observations.valueText,
				unit: observations.unit,
				referenceLow: observations.referenceLow,
				referenceHigh: observations.referenceHigh,
				effectiveAt: observations.effectiveAt
			})
			.from(observations)
			.where(and(eq(observations.patientId, patientId), eq(observations.category, 'laboratory')))
			.orderBy(asc(observations.loincCode), desc(observations.effectiveAt))
	]);
	return {
		allergies: allergyRows,
		medications: medicationRows.map(({ prescriberGiven, prescriberFamily, prescriberCredentials, ...m }) => ({
			...m,
			prescriberName: prescriberFamily === null ? null : practitionerName(prescriberGiven ?? '', prescriberFamily, prescriberCredentials ?? '')
		})),
		vitals: groupVitals(vitalRows),
		labs: labRows
			.map((r) => ({ ...r, effectiveAt: r.effectiveAt.toISOString(), interpretation: interpretLab(r.value, r.referenceLow, r.referenceHigh) }))
			.sort((a, b) => a.display.localeCompare(b.display))
	};
}

/** Newest-first rows → one oldest-first series per LOINC code, in order of first appearance. */
function groupVitals(rows: { loincCode: string; display: string; unit: string; value: number | null; effectiveAt: Date }[]): VitalSeries[] {
	const byCode = new Map<string, VitalSeries>();
	for (const row of rows) {
		// A vital without a number (e.g. "refused") cannot be drawn; the chart skips it.
		if (row.value === null || !Number.isFinite(row.value)) continue;
		let series = byCode.get(row.loincCode);
		if (!series) {
			series = { loincCode: row.loincCode, display: row.display, unit: row.unit, readings: [] };
			byCode.set(row.loincCode, series);
		}
		series.readings.push({ at: row.effectiveAt.toISOString(), value: row.value });
	}
	for (const series of byCode.values()) series.readings.reverse();
	return [...byCode.values()];
}

export function interpretLab(value: number | null, low: number | null, high: number | null): LabInterpretation {
	if (value === null || (low === null && high === null)) return null;
	if (low !== null && value < low) return 'low';
	if (high !== null && value > high) return 'high';
	return 'normal';
}

function practitionerName(given: string, family: string, credentials: string): string {
	const name = `${given} ${family}`.trim();
	return credentials ? `${name}, ${credentials}` : name;
}
