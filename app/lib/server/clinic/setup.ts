import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { clinics, supportedLanguages, users } from '../../../../db/schema/index';
import { fields } from '../http/validation';
import { hashPassword } from '../auth/password';
import { recordAuditEvent } from '../audit/audit-log';

const timeZones = new Set(Intl.supportedValuesOf('timeZone'));
timeZones.add('UTC');

export const languageNames: Record<(typeof supportedLanguages)[number], string> = {
	en: 'English',
	es: 'Español',
	pt: 'Português',
	fr: 'Français',
	zh: '简体中文'
};

export const clinicSetupSchema = z.object({
	clinicName: z.string({ error: 'Enter the clinic name.' }).trim().min(2, 'Enter the clinic name.').max(120, 'Use at most 120 characters.'),
	timeZone: z.string({ error: 'Choose a time zone.' }).refine((tz) => timeZones.has(tz), 'Choose a time zone from the list.'),
	defaultLanguage: z.enum(supportedLanguages, { error: 'Choose a language from the list.' }),
	adminName: fields.personName,
	adminEmail: fields.email,
	adminPassword: fields.newPassword
});
export type ClinicSetupInput = z.infer<typeof clinicSetupSchema>;

export class ClinicAlreadySetUp extends Error {
	constructor() {
		super('This clinic is already set up.');
	}
}

/** Creates the clinic and its first administrator, together or not at all. */
export async function setUpClinic(db: Database, input: ClinicSetupInput, source: { sourceAddress: string | null; requestId: string | null }) {
	const passwordHash = await hashPassword(input.adminPassword);
	return db.transaction(async (tx) => {
		const existing = await tx.select({ id: clinics.id }).from(clinics).limit(1);
		if (existing.length > 0) throw new ClinicAlreadySetUp();
		const [clinic] = await tx
			.insert(clinics)
			.values({ name: input.clinicName, timeZone: input.timeZone, defaultLanguage: input.defaultLanguage })
			.returning();
		const [admin] = await tx
			.insert(users)
			.values({ email: input.adminEmail, displayName: input.adminName, passwordHash, role: 'clinic_admin' })
			.returning();
		await recordAuditEvent(tx as unknown as Database, { ...source, userId: admin!.id, role: 'clinic_admin' }, {
			action: 'clinic.setup',
			outcome: 'success',
			resourceType: 'clinic',
			resourceId: clinic!.id
		});
		return { clinic: clinic!, admin: admin! };
	});
}
