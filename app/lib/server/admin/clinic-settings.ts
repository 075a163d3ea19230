import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { clinics, roles, type Language, type Role } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { NotFound } from '../access/errors';
import { recordAuditEvent } from '../audit/audit-log';
import { forgetIdleTimeout, maxIdleTimeoutMinutes, minIdleTimeoutMinutes } from '../auth/idle-timeout';
import { getClinic } from '../clinic/clinic';
import { clinicSetupSchema } from '../clinic/setup';
import { requireClinicManager } from './guard';

/**
 * Clinic-wide settings an administrator changes after setup: name, time zone, default
 * language, the automatic logoff timeout and which roles must use a second factor.
 */

export interface ClinicSettings {
	clinicName: string;
	timeZone: string;
	defaultLanguage: Language;
	idleTimeoutMinutes: number;
	mfaRequiredRoles: Role[];
}

/** One checkbox per role, each with its own name: form parsing keeps one value per name. */
export const mfaFieldName = (role: Role) => `mfa_${role}`;

export const clinicSettingsSchema = z
	.object({
		clinicName: clinicSetupSchema.shape.clinicName,
		timeZone: clinicSetupSchema.shape.timeZone,
		defaultLanguage: clinicSetupSchema.shape.defaultLanguage,
		idleTimeoutMinutes: z
			.string({ error: 'Enter the number of minutes.' })
			.trim()
			.regex(/^\d{1,3}$/, `Enter a whole number of minutes from ${minIdleTimeoutMinutes} to ${maxIdleTimeoutMinutes}.`)
			.transform(Number)
			.pipe(
				z
					.number()
					.min(minIdleTimeoutMinutes, `Use at least ${minIdleTimeoutMinutes} minutes.`)
					.max(maxIdleTimeoutMinutes, `Use at most ${maxIdleTimeoutMinutes} minutes.`)
			),
		...Object.fromEntries(roles.map((role) => [mfaFieldName(role), z.literal('on', { error: 'That checkbox value is not valid.' }).optional()]))
	})
	.transform((form): ClinicSettings => {
		const values = form as Record<string, unknown>;
		return {
			clinicName: form.clinicName,
			timeZone: form.timeZone,
			defaultLanguage: form.defaultLanguage,
			idleTimeoutMinutes: form.idleTimeoutMinutes,
			mfaRequiredRoles: roles.filter((role) => values[mfaFieldName(role)] === 'on')
		};
	});

export async function getClinicSettings(db: Database, actor: Actor): Promise<ClinicSettings> {
	await requireClinicManager(db, actor, 'clinic.settings_change');
	const clinic = await getClinic(db);
	if (!clinic) throw new NotFound('The clinic is not set up yet.');
	return {
		clinicName: clinic.name,
		timeZone: clinic.timeZone,
		defaultLanguage: clinic.defaultLanguage,
		idleTimeoutMinutes: clinic.idleTimeoutMinutes,
		mfaRequiredRoles: roles.filter((role) => clinic.mfaRequiredRoles.includes(role))
	};
}

/** Saves the settings; the audit event names what changed (settings are not PHI, so values are kept). */
export async function updateClinicSettings(db: Database, actor: Actor, input: ClinicSettings): Promise<{ changed: (keyof ClinicSettings)[] }> {
	const before = await getClinicSettings(db, actor);
	const clinic = await getClinic(db);
	const changed = (Object.keys(input) as (keyof ClinicSettings)[]).filter((key) => String(input[key]) !== String(before[key]));
	if (changed.length === 0) return { changed };
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await tx
			.update(clinics)
			.set({
				name: input.clinicName,
				timeZone: input.timeZone,
				defaultLanguage: input.defaultLanguage,
				idleTimeoutMinutes: input.idleTimeoutMinutes,
				mfaRequiredRoles: input.mfaRequiredRoles,
				updatedAt: new Date()
			})
			.where(eq(clinics.id, clinic!.id));
		await recordAuditEvent(tx, actor, {
			action: 'clinic.settings_change',
			outcome: 'success',
			resourceType: 'clinic',
			resourceId: clinic!.id,
			reason: changed.map((key) => `${key}: ${String(before[key]) || '-'} → ${String(input[key]) || '-'}`).join('; ')
		});
	});
	// Sessions are judged by the new timeout from the next request on.
	if (changed.includes('idleTimeoutMinutes')) forgetIdleTimeout(db);
	return { changed };
}
