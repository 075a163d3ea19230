/**
 * The coded vocabulary of the demo clinic: ICD-10-CM problems, medications (with RxNorm
 * concept ids only where checked; `null` means "not looked up", never a guess), allergies,
 * and LOINC observations with UCUM units and reference ranges. Data only: which patient
 * gets what is decided in clinical-history.ts.
 */

export interface ConditionDefinition {
	icd10Code: string;
	/** The ICD-10-CM long description, as billing and the problem list print it. */
	description: string;
	/** What brings the patient in when the problem is new: the encounter reason. */
	presentingReason: string;
	/** Reason of the visits that keep a chronic problem under review. */
	followUpReason?: string;
}

const conditions = {
	type2Diabetes: { icd10Code: 'E11.9', description: 'Type 2 diabetes mellitus without complications', presentingReason: 'Fatigue and increased thirst', followUpReason: 'Diabetes follow-up' },
	prediabetes: { icd10Code: 'R73.03', description: 'Prediabetes', presentingReason: 'Review of screening labs', followUpReason: 'Prediabetes follow-up' },
	hypertension: { icd10Code: 'I10', description: 'Essential (primary) hypertension', presentingReason: 'High blood pressure readings at home', followUpReason: 'Blood pressure follow-up' },
	hyperlipidemia: { icd10Code: 'E78.5', description: 'Hyperlipidemia, unspecified', presentingReason: 'Review of cholesterol results', followUpReason: 'Cholesterol follow-up' },
	obesity: { icd10Code: 'E66.9', description: 'Obesity, unspecified', presentingReason: 'Weight concerns', followUpReason: 'Weight management' },
	asthma: { icd10Code: 'J45.909', description: 'Unspecified asthma, uncomplicated', presentingReason: 'Wheezing and night-time cough', followUpReason: 'Asthma check' },
	anxiety: { icd10Code: 'F41.1', description: 'Generalized anxiety disorder', presentingReason: 'Constant worry and poor sleep', followUpReason: 'Anxiety follow-up' },
	depression: { icd10Code: 'F32.A', description: 'Depression, unspecified', presentingReason: 'Low mood', followUpReason: 'Mood follow-up' },
	gerd: { icd10Code: 'K21.9', description: 'Gastro-esophageal reflux disease without esophagitis', presentingReason: 'Heartburn', followUpReason: 'Reflux follow-up' },
	sleepApnea: { icd10Code: 'G47.33', description: 'Obstructive sleep apnea (adult) (pediatric)', presentingReason: 'Snoring and daytime sleepiness', followUpReason: 'Sleep apnea follow-up' },
	atrialFibrillation: { icd10Code: 'I48.91', description: 'Unspecified atrial fibrillation', presentingReason: 'Palpitations', followUpReason: 'Atrial fibrillation follow-up' },
	chronicKidneyDisease: { icd10Code: 'N18.30', description: 'Chronic kidney disease, stage 3 unspecified', presentingReason: 'Abnormal kidney function on labs', followUpReason: 'Kidney function follow-up' },
	kneeOsteoarthritisRight: { icd10Code: 'M17.11', description: 'Unilateral primary osteoarthritis, right knee', presentingReason: 'Right knee pain', followUpReason: 'Knee pain follow-up' },
	kneeOsteoarthritisLeft: { icd10Code: 'M17.12', description: 'Unilateral primary osteoarthritis, left knee', presentingReason: 'Left knee pain', followUpReason: 'Knee pain follow-up' },
	osteoporosis: { icd10Code: 'M81.0', description: 'Age-related osteoporosis without current pathological fracture', presentingReason: 'Review of bone density scan', followUpReason: 'Bone health follow-up' },
	hypothyroidism: { icd10Code: 'E03.9', description: 'Hypothyroidism, unspecified', presentingReason: 'Fatigue and weight gain', followUpReason: 'Thyroid follow-up' },
	allergicRhinitis: { icd10Code: 'J30.2', description: 'Other seasonal allergic rhinitis', presentingReason: 'Sneezing and itchy eyes', followUpReason: 'Allergy follow-up' },
	atopicDermatitis: { icd10Code: 'L20.9', description: 'Atopic dermatitis, unspecified', presentingReason: 'Itchy rash', followUpReason: 'Eczema check' },
	adhd: { icd10Code: 'F90.9', description: 'Attention-deficit hyperactivity disorder, unspecified type', presentingReason: 'Trouble focusing at school', followUpReason: 'ADHD medication check' },
	// Acute problems: recorded at the visit, resolved a week or two later.
	upperRespiratoryInfection: { icd10Code: 'J06.9', description: 'Acute upper respiratory infection, unspecified', presentingReason: 'Cough and congestion' },
	otitisMedia: { icd10Code: 'H66.90', description: 'Otitis media, unspecified, unspecified ear', presentingReason: 'Ear pain and fever' },
	pharyngitis: { icd10Code: 'J02.9', description: 'Acute pharyngitis, unspecified', presentingReason: 'Sore throat' },
	sinusitis: { icd10Code: 'J01.90', description: 'Acute sinusitis, unspecified', presentingReason: 'Sinus pressure and congestion' },
	urinaryTractInfection: { icd10Code: 'N39.0', description: 'Urinary tract infection, site not specified', presentingReason: 'Painful urination' },
	lowBackPain: { icd10Code: 'M54.50', description: 'Low back pain, unspecified', presentingReason: 'Low back pain' },
	ankleSprain: { icd10Code: 'S93.401A', description: 'Sprain of unspecified ligament of right ankle, initial encounter', presentingReason: 'Twisted right ankle' },
	headache: { icd10Code: 'R51.9', description: 'Headache, unspecified', presentingReason: 'Headaches' }
} as const satisfies Record<string, ConditionDefinition>;

export type ConditionKey = keyof typeof conditions;
export const conditionCatalog: Readonly<Record<ConditionKey, ConditionDefinition>> = conditions;

/** Prevalence by age as steps: from `fromAge` on, the chance is `probability` (until the next step). */
export interface PrevalenceRule {
	condition: ConditionKey;
	steps: readonly (readonly [fromAge: number, probability: number])[];
	/** Prevalence differs enough by sex to matter (osteoporosis, hypothyroidism). */
	femaleFactor?: number;
}

/**
 * Rough US primary-care prevalences (CDC/NHANES orders of magnitude), enough that a physician's
 * panel looks familiar: hypertension and hyperlipidemia common after 40, asthma in children…
 */
export const chronicPrevalence: readonly PrevalenceRule[] = [
	// Diabetes first: it raises the odds of what follows (hyperlipidemia, kidney disease).
	{ condition: 'type2Diabetes', steps: [[18, 0.03], [40, 0.11], [60, 0.21]] },
	{ condition: 'prediabetes', steps: [[18, 0.08], [40, 0.15]] },
	{ condition: 'hypertension', steps: [[18, 0.07], [40, 0.3], [60, 0.55], [75, 0.65]] },
	{ condition: 'hyperlipidemia', steps: [[20, 0.05], [40, 0.25], [60, 0.42]] },
	{ condition: 'asthma', steps: [[3, 0.08], [18, 0.07]] },
	{ condition: 'anxiety', steps: [[12, 0.05], [18, 0.08], [65, 0.04]] },
	{ condition: 'depression', steps: [[13, 0.04], [18, 0.08], [65, 0.06]] },
	{ condition: 'gerd', steps: [[25, 0.08], [45, 0.12]] },
	{ condition: 'sleepApnea', steps: [[35, 0.04], [55, 0.07]] },
	{ condition: 'atrialFibrillation', steps: [[60, 0.03], [70, 0.08], [80, 0.12]] },
	{ condition: 'chronicKidneyDisease', steps: [[60, 0.05], [70, 0.12], [80, 0.2]] },
	{ condition: 'kneeOsteoarthritisRight', steps: [[50, 0.06], [65, 0.12]] },
	{ condition: 'kneeOsteoarthritisLeft', steps: [[50, 0.04], [65, 0.08]] },
	{ condition: 'osteoporosis', steps: [[60, 0.03], [70, 0.06]], femaleFactor: 4 },
	{ condition: 'hypothyroidism', steps: [[20, 0.02], [50, 0.04]], femaleFactor: 3 },
	{ condition: 'allergicRhinitis', steps: [[4, 0.1], [18, 0.08]] },
	{ condition: 'atopicDermatitis', steps: [[0.5, 0.12], [6, 0.07], [12, 0]] },
	{ condition: 'adhd', steps: [[6, 0.09], [18, 0]] }
];

/** Acute problems that bring people in, by who gets them; weights are relative. */
export const acuteProblemsByAgeGroup: Record<'child' | 'adult' | 'senior', readonly (readonly [ConditionKey, number])[]> = {
	child: [
		['upperRespiratoryInfection', 5],
		['otitisMedia', 4],
		['pharyngitis', 2],
		['ankleSprain', 0.5]
	],
	adult: [
		['upperRespiratoryInfection', 4],
		['sinusitis', 2],
		['pharyngitis', 1.5],
		['urinaryTractInfection', 1.5],
		['lowBackPain', 2],
		['ankleSprain', 0.8],
		['headache', 1]
	],
	senior: [
		['upperRespiratoryInfection', 3],
		['urinaryTractInfection', 2],
		['lowBackPain', 2],
		['sinusitis', 1]
	]
};

export interface MedicationDefinition {
	/** The RxNorm clinical drug name when the code is given; otherwise a plain prescribing name. */
	name: string;
	rxnormCode: string | null;
	dose: string;
	frequency: string;
	/** Days a course lasts; absent for long-term medications. */
	courseDays?: number;
}

export const medicationCatalog = {
	metformin: { name: 'metformin hydrochloride 500 MG Oral Tablet', rxnormCode: '861007', dose: '500 mg', frequency: 'twice daily with meals' },
	metforminHighDose: { name: 'metformin hydrochloride 1000 mg tablet', rxnormCode: null, dose: '1000 mg', frequency: 'twice daily with meals' },
	lisinopril: { name: 'lisinopril 10 MG Oral Tablet', rxnormCode: '314076', dose: '10 mg', frequency: 'once daily' },
	amlodipine: { name: 'amlodipine 5 MG Oral Tablet', rxnormCode: '197361', dose: '5 mg', frequency: 'once daily' },
	hydrochlorothiazide: { name: 'hydrochlorothiazide 25 MG Oral Tablet', rxnormCode: '310798', dose: '25 mg', frequency: 'once daily in the morning' },
	atorvastatin: { name: 'atorvastatin 20 MG Oral Tablet', rxnormCode: '617310', dose: '20 mg', frequency: 'once daily at bedtime' },
	albuterol: { name: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', rxnormCode: '745679', dose: '2 puffs', frequency: 'every 4–6 hours as needed for wheezing' },
	fluticasone: { name: '120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler', rxnormCode: '895994', dose: '2 puffs', frequency: 'twice daily' },
	apixaban: { name: 'apixaban 5 MG Oral Tablet', rxnormCode: '1364445', dose: '5 mg', frequency: 'twice daily' },
	warfarin: { name: 'warfarin sodium 5 MG Oral Tablet', rxnormCode: '855332', dose: '5 mg', frequency: 'once daily, adjusted to INR' },
	metoprolol: { name: 'metoprolol succinate 25 mg extended-release tablet', rxnormCode: null, dose: '25 mg', frequency: 'once daily' },
	sertraline: { name: 'sertraline 50 mg tablet', rxnormCode: null, dose: '50 mg', frequency: 'once daily' },
	escitalopram: { name: 'escitalopram 10 mg tablet', rxnormCode: null, dose: '10 mg', frequency: 'once daily' },
	omeprazole: { name: 'omeprazole 20 mg delayed-release capsule', rxnormCode: null, dose: '20 mg', frequency: 'once daily before breakfast' },
	levothyroxine: { name: 'levothyroxine sodium 50 mcg tablet', rxnormCode: null, dose: '50 mcg', frequency: 'once daily on an empty stomach' },
	alendronate: { name: 'alendronate sodium 70 mg tablet', rxnormCode: null, dose: '70 mg', frequency: 'once weekly' },
	acetaminophen: { name: 'acetaminophen 500 mg tablet', rxnormCode: null, dose: '1000 mg', frequency: 'every 8 hours as needed for pain' },
	cetirizine: { name: 'cetirizine 10 mg tablet', rxnormCode: null, dose: '10 mg', frequency: 'once daily in allergy season' },
	hydrocortisoneCream: { name: 'hydrocortisone 1% cream', rxnormCode: null, dose: 'thin layer', frequency: 'twice daily to affected skin' },
	methylphenidate: { name: 'methylphenidate 18 mg extended-release tablet', rxnormCode: null, dose: '18 mg', frequency: 'once daily in the morning' },
	amoxicillinSuspension: { name: 'amoxicillin 400 mg/5 mL oral suspension', rxnormCode: null, dose: '45 mg/kg/day', frequency: 'divided twice daily', courseDays: 10 },
	amoxicillinCapsule: { name: 'amoxicillin 500 mg capsule', rxnormCode: null, dose: '500 mg', frequency: 'twice daily', courseDays: 10 },
	amoxicillinClavulanate: { name: 'amoxicillin 875 mg / clavulanate 125 mg tablet', rxnormCode: null, dose: '1 tablet', frequency: 'twice daily', courseDays: 7 },
	azithromycin: { name: 'azithromycin 250 mg tablet', rxnormCode: null, dose: '500 mg day 1, then 250 mg', frequency: 'once daily', courseDays: 5 },
	cefdinirSuspension: { name: 'cefdinir 250 mg/5 mL oral suspension', rxnormCode: null, dose: '14 mg/kg/day', frequency: 'once daily', courseDays: 10 },
	nitrofurantoin: { name: 'nitrofurantoin monohydrate/macrocrystals 100 mg capsule', rxnormCode: null, dose: '100 mg', frequency: 'twice daily', courseDays: 5 },
	ibuprofen: { name: 'ibuprofen 400 mg tablet', rxnormCode: null, dose: '400 mg', frequency: 'every 6–8 hours as needed with food', courseDays: 10 }
} as const satisfies Record<string, MedicationDefinition>;

export type MedicationKey = keyof typeof medicationCatalog;

export interface AllergyDefinition {
	substance: string;
	reactions: readonly string[];
	/** Relative weights of mild, moderate, severe. */
	severityWeights: readonly [mild: number, moderate: number, severe: number];
	/** Drug class the allergy rules out when choosing an antibiotic. */
	excludes?: 'penicillins' | 'sulfonamides' | 'nsaids';
}

/** Documented allergies with rough prevalence per patient; most patients have none (NKDA). */
export const allergyCatalog: readonly (AllergyDefinition & { childPrevalence: number; adultPrevalence: number })[] = [
	{ substance: 'Penicillin', reactions: ['Hives', 'Rash', 'Itching', 'Anaphylaxis'], severityWeights: [4, 5, 1], excludes: 'penicillins', childPrevalence: 0.04, adultPrevalence: 0.09 },
	{ substance: 'Amoxicillin', reactions: ['Rash', 'Hives'], severityWeights: [5, 4, 0.5], excludes: 'penicillins', childPrevalence: 0.03, adultPrevalence: 0.02 },
	{ substance: 'Sulfonamide antibiotics', reactions: ['Rash', 'Hives', 'Fever'], severityWeights: [4, 4, 1], excludes: 'sulfonamides', childPrevalence: 0.01, adultPrevalence: 0.04 },
	{ substance: 'Codeine', reactions: ['Nausea and vomiting', 'Itching'], severityWeights: [7, 3, 0], childPrevalence: 0, adultPrevalence: 0.02 },
	{ substance: 'Ibuprofen', reactions: ['Hives', 'Wheezing'], severityWeights: [3, 5, 1], excludes: 'nsaids', childPrevalence: 0.005, adultPrevalence: 0.01 },
	{ substance: 'Peanut', reactions: ['Hives', 'Lip and tongue swelling', 'Anaphylaxis'], severityWeights: [2, 4, 4], childPrevalence: 0.025, adultPrevalence: 0.01 },
	{ substance: 'Tree nuts', reactions: ['Hives', 'Throat tightness'], severityWeights: [2, 5, 3], childPrevalence: 0.01, adultPrevalence: 0.006 },
	{ substance: 'Egg', reactions: ['Hives', 'Vomiting'], severityWeights: [5, 4, 1], childPrevalence: 0.015, adultPrevalence: 0.001 },
	{ substance: 'Shellfish', reactions: ['Hives', 'Facial swelling', 'Anaphylaxis'], severityWeights: [3, 5, 2], childPrevalence: 0.005, adultPrevalence: 0.02 },
	{ substance: 'Latex', reactions: ['Contact dermatitis', 'Itching'], severityWeights: [6, 3, 1], childPrevalence: 0.002, adultPrevalence: 0.01 },
	{ substance: 'Bee venom', reactions: ['Local swelling', 'Anaphylaxis'], severityWeights: [3, 4, 3], childPrevalence: 0.005, adultPrevalence: 0.01 },
	{ substance: 'Cat dander', reactions: ['Sneezing', 'Itchy eyes', 'Wheezing'], severityWeights: [6, 3, 0], childPrevalence: 0.02, adultPrevalence: 0.03 }
];

export interface ObservationDefinition {
	loincCode: string;
	/** LOINC long common name, so the chart and an export say exactly what was measured. */
	display: string;
	/** UCUM unit. */
	unit: string;
	category: 'vital-signs' | 'laboratory';
	referenceLow?: number;
	referenceHigh?: number;
	/** Decimals the device or laboratory reports. */
	digits: number;
}

export const vitalSignCatalog = {
	systolic: { loincCode: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', category: 'vital-signs', digits: 0 },
	diastolic: { loincCode: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', category: 'vital-signs', digits: 0 },
	heartRate: { loincCode: '8867-4', display: 'Heart rate', unit: '/min', category: 'vital-signs', digits: 0 },
	weight: { loincCode: '29463-7', display: 'Body weight', unit: 'kg', category: 'vital-signs', digits: 1 },
	height: { loincCode: '8302-2', display: 'Body height', unit: 'cm', category: 'vital-signs', digits: 1 },
	bmi: { loincCode: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2', category: 'vital-signs', digits: 1 },
	temperature: { loincCode: '8310-5', display: 'Body temperature', unit: 'Cel', category: 'vital-signs', digits: 1 },
	oxygenSaturation: { loincCode: '2708-6', display: 'Oxygen saturation in Arterial blood', unit: '%', category: 'vital-signs', digits: 0 }
} as const satisfies Record<string, ObservationDefinition>;

/** Adult reference intervals as a typical US reference laboratory prints them. */
export const labCatalog = {
	hemoglobinA1c: { loincCode: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', category: 'laboratory', referenceLow: 4.0, referenceHigh: 5.6, digits: 1 },
	glucose: { loincCode: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mg/dL', category: 'laboratory', referenceLow: 70, referenceHigh: 99, digits: 0 },
	cholesterolTotal: { loincCode: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL', category: 'laboratory', referenceHigh: 199, digits: 0 },
	ldlCalculated: { loincCode: '13457-7', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation', unit: 'mg/dL', category: 'laboratory', referenceHigh: 99, digits: 0 },
	hdl: { loincCode: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', unit: 'mg/dL', category: 'laboratory', referenceLow: 40, digits: 0 },
	triglycerides: { loincCode: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', unit: 'mg/dL', category: 'laboratory', referenceHigh: 149, digits: 0 },
	creatinine: { loincCode: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', category: 'laboratory', digits: 2 },
	egfr: {
		loincCode: '98979-8',
		display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)',
		unit: 'mL/min/{1.73_m2}',
		category: 'laboratory',
		referenceLow: 60,
		digits: 0
	}
} as const satisfies Record<string, ObservationDefinition>;

/** Creatinine's interval depends on sex (muscle mass). */
export const creatinineReference = {
	female: { referenceLow: 0.59, referenceHigh: 1.04 },
	male: { referenceLow: 0.74, referenceHigh: 1.35 }
} as const;
