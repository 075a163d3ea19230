import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatClinicSettings } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { recordAuditEvent } from '../audit/audit-log';
import { requireClinicManager } from '../admin/guard';
import { retentionDays } from './retention';

/**
 * The clinic's retention period for secure messages, as an administrator sets it: a number of
 * days (messages and attachments older than that are deleted by the retention sweep,
 * retention.ts) or none (kept indefinitely). The single chat_clinic_settings row (id 1).
 */

export const minRetentionDays = 30;
export const maxRetentionDays = 36_500;

/** The form's fields: keep = 'forever' | 'days', days when 'days'. */
export const retentionFormSchema = z
	.object({
		keep: z.enum(['forever', 'days'], { error: 'Choose how long to keep messages.' }),
		days: z.string().trim().optional()
	})
	.transform((value, context) => {
		if (value.keep === 'forever') return { retentionDays: null };
		const text = value.days ?? '';
		if (!/^\d{1,5}$/.test(text)) {
			context.addIssue({ code: 'custom', path: ['days'], message: `Enter a whole number of days from ${minRetentionDays} to ${maxRetentionDays}.` });
			return z.NEVER;
		}
		const days = Number(text);
		if (days < minRetentionDays || days > maxRetentionDays) {
			context.addIssue({ code: 'custom', path: ['days'], message: `Enter a whole number of days from ${minRetentionDays} to ${maxRetentionDays}.` });
			return z.NEVER;
		}
		return { retentionDays: days };
	});
export type RetentionInput = z.output<typeof retentionFormSchema>;

/** Administrators only (the refusal is audited by the guard). */
export async function getRetentionSetting(db: Database, actor: Actor): Promise<{ retentionDays: number | null }> {
	await requireClinicManager(db, actor, 'clinic.settings_change');
	return { retentionDays: await retentionDays(db) };
}

/** Saves the period; an unchanged value writes nothing. Answers whether it changed. */
export async function setRetentionSetting(db: Database, actor: Actor, input: RetentionInput): Promise<{ changed: boolean }> {
	await requireClinicManager(db, actor, 'clinic.settings_change');
	const before = await retentionDays(db);
	if (before === input.retentionDays) return { changed: false };
	const now = new Date();
	await db
		.insert(chatClinicSettings)
		.values({ id: 1, retentionDays: input.retentionDays })
		.onConflictDoUpdate({ target: chatClinicSettings.id, set: { retentionDays: input.retentionDays, updatedAt: now } });
	await recordAuditEvent(db, actor, {
		action: 'clinic.settings_change',
		outcome: 'success',
		reason: `messageRetentionDays: ${before ?? 'none'} → ${input.retentionDays ?? 'none'}`
	});
	return { changed: true };
}
