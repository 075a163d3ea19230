import type { CommunicationPreferences, Language, NewPatient, Sex } from '../schema/index';
import { isoDateOf, zonedDay } from './clinic-calendar';
import { SeededRandom } from './random';

/**
 * Synthetic people for the demo clinic and the search benchmark: names, birth dates, contact
 * details, language. Deterministic for a seed and fast enough for 100,000 rows; nothing
 * clinical (clinical-history.ts adds that for the demo only).
 *
 * Contact details are safe to send to: e-mail domains are the reserved example.* ones and
 * phone numbers use 555-0100…0199, the range set aside for fiction, so a demo whose reminders
 * are switched on cannot reach a real person.
 */

export interface PatientGenerationOptions {
	count: number;
	seed: number;
	/** Ages are counted back from this instant's date in `timeZone`. */
	now?: Date;
	timeZone?: string;
}

export interface GeneratedPatient extends NewPatient {
	id: string;
	mrn: string;
	birthDate: string;
	sex: Sex;
	email: string | null;
	phone: string;
	addressLine: string;
	city: string;
	region: string;
	postalCode: string;
	preferredLanguage: Language;
	communicationPreferences: CommunicationPreferences;
}

/**
 * MRNs are issued in blocks of three from this number with a random offset in the block:
 * unique without a lookup, and not so sequential that a prefix search is trivial.
 */
const firstMrn = 10_000;
const mrnBlock = 3;

export function mrnForIndex(index: number, offsetInBlock: number): string {
	return String(firstMrn + index * mrnBlock + offsetInBlock).padStart(8, '0');
}

/** Share of a family practice's panel by age band (years, upper bound exclusive). */
const ageBands: readonly (readonly [readonly [number, number], number])[] = [
	[[0, 2], 4],
	[[2, 6], 6],
	[[6, 12], 8],
	[[12, 18], 7],
	[[18, 30], 14],
	[[30, 45], 18],
	[[45, 65], 24],
	[[65, 75], 10],
	[[75, 85], 6],
	[[85, 96], 3]
];

const sexWeights: readonly (readonly [Sex, number])[] = [
	['female', 51],
	['male', 48.5],
	['other', 0.3],
	['unknown', 0.2]
];

const languageWeights: readonly (readonly [Language, number])[] = [
	['en', 86],
	['es', 9],
	['pt', 2],
	['fr', 1.5],
	['zh', 1.5]
];

interface NamePool {
	female: readonly string[];
	male: readonly string[];
	family: readonly string[];
}

/** Names typical of each preferred language other than English, as US registration spells them. */
const namePools: Record<Exclude<Language, 'en'>, NamePool> = {
	es: {
		female: ['Maria', 'Carmen', 'Lucia', 'Sofia', 'Isabel', 'Ana', 'Rosa', 'Elena', 'Gabriela', 'Valeria', 'Camila', 'Daniela', 'Guadalupe', 'Veronica'],
		male: ['Jose', 'Luis', 'Carlos', 'Juan', 'Miguel', 'Jorge', 'Alejandro', 'Diego', 'Manuel', 'Javier', 'Andres', 'Mateo', 'Francisco', 'Ricardo'],
		family: ['Garcia', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Perez', 'Sanchez', 'Ramirez', 'Torres', 'Flores', 'Rivera', 'Gomez', 'Diaz', 'Morales', 'Reyes', 'Cruz', 'Ortiz', 'Gutierrez', 'Chavez', 'Ramos', 'Mendoza', 'Vargas', 'Castillo', 'Jimenez']
	},
	pt: {
		female: ['Ana', 'Beatriz', 'Juliana', 'Fernanda', 'Mariana', 'Larissa', 'Patricia', 'Aline'],
		male: ['Joao', 'Pedro', 'Lucas', 'Rafael', 'Thiago', 'Gabriel', 'Bruno', 'Marcos'],
		family: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Pereira', 'Costa', 'Ferreira', 'Almeida', 'Carvalho', 'Rodrigues', 'Lima', 'Gomes']
	},
	fr: {
		female: ['Marie', 'Camille', 'Chloe', 'Lea', 'Manon', 'Emilie', 'Nadege', 'Fabienne'],
		male: ['Jean', 'Pierre', 'Louis', 'Antoine', 'Julien', 'Nicolas', 'Jean-Baptiste', 'Frantz'],
		family: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Laurent', 'Joseph', 'Pierre-Louis', 'Baptiste']
	},
	zh: {
		female: ['Mei', 'Xiuying', 'Li', 'Jing', 'Yan', 'Hui', 'Ling', 'Fang'],
		male: ['Wei', 'Jun', 'Hao', 'Ming', 'Lei', 'Qiang', 'Jian', 'Tao'],
		family: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun']
	}
};

/**
 * The most frequent US surnames with their 2010 Census frequency per 100,000 people. Faker's
 * list alone is a flat long tail; real panels have many Smiths, which is exactly what makes
 * "page 2 of Smith" a search case worth measuring.
 */
const commonSurnames: readonly (readonly [string, number])[] = [
	['Smith', 828], ['Johnson', 655], ['Williams', 550], ['Brown', 487], ['Jones', 483], ['Garcia', 469],
	['Miller', 424], ['Davis', 412], ['Rodriguez', 380], ['Martinez', 374], ['Hernandez', 364], ['Lopez', 293],
	['Gonzalez', 283], ['Wilson', 282], ['Anderson', 273], ['Thomas', 267], ['Taylor', 263], ['Moore', 256],
	['Jackson', 252], ['Martin', 250], ['Lee', 241], ['Perez', 228], ['Thompson', 228], ['White', 225],
	['Harris', 214], ['Sanchez', 209], ['Clark', 196], ['Ramirez', 194], ['Lewis', 189], ['Robinson', 188],
	['Walker', 186], ['Young', 169], ['Allen', 167], ['King', 164], ['Wright', 164], ['Scott', 150],
	['Torres', 150], ['Nguyen', 149], ['Hill', 147], ['Flores', 147], ['Green', 146], ['Adams', 144],
	['Nelson', 143], ['Baker', 142], ['Hall', 138], ['Rivera', 137], ['Campbell', 122], ['Mitchell', 122],
	['Carter', 119], ['Roberts', 118]
];
/** The names above cover about 12% of people; the rest come from Faker's long tail. */
const commonSurnameShare = 0.12;

/** The clinics' catchment area (Hudson Valley, NY), with the share of patients from each town. */
export const catchmentTowns: readonly (readonly [{ city: string; postalCode: string }, number])[] = [
	[{ city: 'Riverside', postalCode: '12561' }, 40],
	[{ city: 'Northgate', postalCode: '12563' }, 25],
	[{ city: 'Millbrook', postalCode: '12545' }, 12],
	[{ city: 'Cedar Falls', postalCode: '12564' }, 10],
	[{ city: 'Oak Hill', postalCode: '12460' }, 8],
	[{ city: 'Pine Plains', postalCode: '12567' }, 5]
];
const areaCodes = ['845', '914', '518'] as const;
const emailDomains = ['example.com', 'example.net', 'example.org'] as const;

export function generatePatients(options: PatientGenerationOptions): GeneratedPatient[] {
	const random = new SeededRandom(options.seed);
	const today = zonedDay(options.now ?? new Date(), options.timeZone ?? 'America/New_York');
	const patients: GeneratedPatient[] = [];
	for (let index = 0; index < options.count; index++) {
		patients.push(generatePatient(random, index, today));
	}
	return patients;
}

function generatePatient(random: SeededRandom, index: number, today: number): GeneratedPatient {
	const sex = random.weighted(sexWeights);
	const language = random.weighted(languageWeights);
	const [minAge, maxAge] = random.weighted(ageBands);
	const ageDays = Math.floor(random.between(minAge, maxAge) * 365.2425);
	const birthDate = isoDateOf(today - Math.max(ageDays, 3));
	const age = ageDays / 365.2425;
	const { givenName, familyName } = personName(random, sex, language);
	const town = random.weighted(catchmentTowns);
	const email = age >= 18 ? (random.chance(0.82) ? emailAddress(random, givenName, familyName) : null) : age >= 13 && random.chance(0.3) ? emailAddress(random, givenName, familyName) : null;
	return {
		id: random.uuid(),
		mrn: mrnForIndex(index, random.int(0, mrnBlock - 1)),
		givenName,
		familyName,
		birthDate,
		sex,
		email,
		phone: fictionalPhone(random),
		addressLine: random.faker.location.streetAddress(),
		city: town.city,
		region: 'NY',
		postalCode: town.postalCode,
		preferredLanguage: language,
		communicationPreferences: {
			email: email !== null && random.chance(0.85),
			sms: random.chance(0.45),
			reminderLeadHours: random.weighted([
				[[], 60],
				[[24], 25],
				[[48, 2], 10],
				[[72, 24], 5]
			])
		}
	};
}

function personName(random: SeededRandom, sex: Sex, language: Language): { givenName: string; familyName: string } {
	if (language !== 'en') {
		const pool = namePools[language];
		const given = sex === 'female' ? pool.female : sex === 'male' ? pool.male : random.chance(0.5) ? pool.female : pool.male;
		return { givenName: random.pick(given), familyName: random.pick(pool.family) };
	}
	const givenName = random.faker.person.firstName(sex === 'female' || sex === 'male' ? sex : undefined);
	const familyName = random.chance(commonSurnameShare) ? random.weighted(commonSurnames) : random.faker.person.lastName();
	return { givenName, familyName };
}

/** "(845) 555-0147": the 555-01XX block is reserved for fictional use. */
export function fictionalPhone(random: SeededRandom): string {
	return `(${random.pick(areaCodes)}) 555-01${String(random.int(0, 99)).padStart(2, '0')}`;
}

export function emailAddress(random: SeededRandom, givenName: string, familyName: string): string {
	const local = `${givenName}.${familyName}`.toLowerCase().replace(/[^a-z.]/g, '');
	const suffix = random.chance(0.5) ? String(random.int(1, 99)) : '';
	return `${local}${suffix}@${random.pick(emailDomains)}`;
}
