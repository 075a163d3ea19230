import type { NewAllergy, NewEncounter, NewMedication, NewObservation, NewProblem, Sex } from '../schema/index';
import { conditionCatalog, medicationCatalog, type MedicationKey } from './clinical-catalog';
import { isoDateOf, zonedInstant } from './clinic-calendar';
import { buildClinicalProfile, type HistoryWindow } from './clinical-profile';
import { planEncounters, type EncounterKind, type PlannedEncounter } from './encounter-history';
import { orderLabs } from './lab-orders';
import { measureLabs, measureVitals } from './measurements';
import type { ScriptedHistory } from './named-patients';
import type { SeededRandom } from './random';

/**
 * One patient's chart as database rows: problem list, allergies, medications, encounters and
 * the observations taken at them. Composes the profile (who the patient is clinically), the
 * visit plan and the measurements, and places visits at clinic wall-clock times.
 */

export interface ClinicalHistoryInput {
	patient: { id: string; birthDate: string; sex: Sex };
	primaryPhysicianId: string;
	/** The care team's nurse practitioner, who sees some acute visits; null when the team has none. */
	nursePractitionerId: string | null;
	locationId: string;
	window: HistoryWindow;
	timeZone: string;
	scripted?: ScriptedHistory;
}

export interface ClinicalHistoryRows {
	encounters: NewEncounter[];
	problems: NewProblem[];
	allergies: NewAllergy[];
	medications: NewMedication[];
	observations: NewObservation[];
}

const visitMinutes: Record<EncounterKind, number> = {
	annual_exam: 40,
	office_visit: 20,
	follow_up: 20,
	telehealth: 15,
	urgent_care: 30,
	procedure: 45
};

export function generateClinicalHistory(random: SeededRandom, input: ClinicalHistoryInput): ClinicalHistoryRows {
	const { patient, window } = input;
	const profile = buildClinicalProfile(random, patient, window, input.scripted);
	const visits = planEncounters(random, profile, window, {
		hasNursePractitioner: input.nursePractitionerId !== null,
		alwaysBookNext: input.scripted !== undefined
	});
	const labOrders = orderLabs(random, profile, visits);
	const practitionerFor = (encounter: PlannedEncounter) =>
		encounter.seenBy === 'nursePractitioner' && input.nursePractitionerId ? input.nursePractitionerId : input.primaryPhysicianId;

	const rows: ClinicalHistoryRows = { encounters: [], problems: [], allergies: [], medications: [], observations: [] };
	let heightTaken = false;
	for (const encounter of visits) {
		const startAt = zonedInstant(encounter.day, visitStartMinutes(random, encounter.kind), input.timeZone);
		const encounterId = random.uuid();
		rows.encounters.push({
			id: encounterId,
			patientId: patient.id,
			practitionerId: practitionerFor(encounter),
			locationId: input.locationId,
			kind: encounter.kind,
			status: encounter.status,
			startAt,
			endAt: new Date(startAt.getTime() + visitMinutes[encounter.kind] * 60_000),
			reason: encounter.reason
		});
		if (encounter.status !== 'finished' || encounter.kind === 'telehealth') continue;
		// Adults are measured for height once a year, or at their first visit of the window.
		const measureHeight = encounter.kind === 'annual_exam' || !heightTaken;
		heightTaken = true;
		const measurements = [
			...measureVitals(random, profile, encounter, { measureHeight, windowStart: window.start }),
			...measureLabs(random, profile, encounter.day, labOrders.get(encounter) ?? [], window.start)
		];
		for (const m of measurements) {
			rows.observations.push({
				id: random.uuid(),
				patientId: patient.id,
				encounterId,
				category: m.definition.category,
				loincCode: m.definition.loincCode,
				display: m.definition.display,
				value: m.value,
				unit: m.definition.unit,
				referenceLow: m.referenceLow,
				referenceHigh: m.referenceHigh,
				effectiveAt: new Date(startAt.getTime() + m.minutesIntoVisit * 60_000)
			});
		}
	}

	for (const condition of profile.conditions) {
		const definition = conditionCatalog[condition.key];
		rows.problems.push({
			id: random.uuid(),
			patientId: patient.id,
			icd10Code: definition.icd10Code,
			description: definition.description,
			status: 'active',
			onsetDate: isoDateOf(condition.onsetDay)
		});
	}
	for (const encounter of visits) {
		if (!encounter.acute || encounter.status !== 'finished') continue;
		const definition = conditionCatalog[encounter.acute.key];
		const resolved = encounter.acute.resolvedDay < window.today;
		rows.problems.push({
			id: random.uuid(),
			patientId: patient.id,
			icd10Code: definition.icd10Code,
			description: definition.description,
			status: resolved ? 'resolved' : 'active',
			onsetDate: isoDateOf(encounter.day),
			resolvedDate: resolved ? isoDateOf(encounter.acute.resolvedDay) : null
		});
	}

	for (const allergy of profile.allergies) {
		rows.allergies.push({
			id: random.uuid(),
			patientId: patient.id,
			substance: allergy.substance,
			reaction: allergy.reaction,
			severity: allergy.severity,
			status: 'active'
		});
	}

	const medication = (key: MedicationKey, fields: Pick<NewMedication, 'status' | 'startDate' | 'endDate' | 'prescriberId'>): NewMedication => {
		const definition = medicationCatalog[key];
		return {
			id: random.uuid(),
			patientId: patient.id,
			name: definition.name,
			rxnormCode: definition.rxnormCode,
			dose: definition.dose,
			frequency: definition.frequency,
			...fields
		};
	};
	for (const plan of profile.medications) {
		rows.medications.push(
			medication(plan.key, {
				status: plan.status,
				startDate: isoDateOf(plan.startDay),
				endDate: plan.endDay !== undefined ? isoDateOf(plan.endDay) : null,
				prescriberId: input.primaryPhysicianId
			})
		);
	}
	for (const encounter of visits) {
		const treatment = encounter.status === 'finished' ? encounter.acute?.treatment : null;
		if (!treatment) continue;
		const endDay = encounter.day + treatment.days;
		rows.medications.push(
			medication(treatment.key, {
				status: endDay < window.today ? 'completed' : 'active',
				startDate: isoDateOf(encounter.day),
				endDate: isoDateOf(endDay),
				prescriberId: practitionerFor(encounter)
			})
		);
	}
	return rows;
}

/** Office hours 8:00–16:30 on quarter hours; urgent care runs until 18:30. */
function visitStartMinutes(random: SeededRandom, kind: EncounterKind): number {
	const lastSlot = kind === 'urgent_care' ? 42 : 34;
	return 8 * 60 + 15 * random.int(0, lastSlot);
}
