import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { patients, supportedLanguages, type CommunicationPreferences, type Language } from '../../../../db/schema/index';
import type { ReminderChannel } from '../../../../db/schema/scheduling';
import type { Actor } from '../access/actor';
import { authorizeAgent } from '../access/patient-access';
import { recordAuditEvent } from '../audit/audit-log';
import { readReminderDefaults, type ReminderDefaults } from './appointment-context';

/**
 * A patient's reminder preferences: which channels (email, SMS), how many hours before the visit
 * on each, and the language. Stored in patients.communication_preferences and
 * patients.preferred_language; an empty list of hours means "the clinic's default"
 * (scheduling_settings: email 24 h, SMS 2 h unless the clinic changed them).
 */

export const maxLeadHours = 14 * 24;

export interface ChannelPlan {
	channel: ReminderChannel;
	/** Where it goes; null when the patient has no address for the channel. */
	address: string | null;
	leadHours: number[];
}

/** The channels the patient wants reminders on, with the hours to use (their own, else the clinic's). */
export function effectiveChannels(
	patient: { email: string | null; phone: string | null; communicationPreferences: CommunicationPreferences },
	defaults: Pick<ReminderDefaults, 'emailLeadHours' | 'smsLeadHours'>
): ChannelPlan[] {
	const prefs = patient.communicationPreferences ?? { email: true, sms: false, reminderLeadHours: [] };
	const hours = (own: number[] | undefined, clinic: number[]) => {
		const chosen = own && own.length > 0 ? own : prefs.reminderLeadHours && prefs.reminderLeadHours.length > 0 ? prefs.reminderLeadHours : clinic;
		return [...new Set(chosen.filter((h) => Number.isInteger(h) && h >= 0 && h <= maxLeadHours))].sort((a, b) => b - a);
	};
	const plans: ChannelPlan[] = [];
	if (prefs.email) plans.push({ channel: 'email', address: patient.email || null, leadHours: hours(prefs.emailLeadHours, defaults.emailLeadHours) });
	if (prefs.sms) plans.push({ channel: 'sms', address: patient.phone || null, leadHours: hours(prefs.smsLeadHours, defaults.smsLeadHours) });
	return plans;
}

export interface ReminderPreferencesView {
	patientId: string;
	patientName: string;
	hasEmail: boolean;
	hasPhone: boolean;
	email: boolean;
	sms: boolean;
	/** Empty: the clinic's default. */
	emailLeadHours: number[];
	smsLeadHours: number[];
	language: Language;
	clinicDefaults: { emailLeadHours: number[]; smsLeadHours: number[] };
}

/** For the portal page: the patient (or a proxy with the appointments scope) reads the preferences. */
export async function getReminderPreferences(db: Database, actor: Actor, patientId: string): Promise<ReminderPreferencesView> {
	await authorizeAgent(db, actor, patientId, { action: 'patient.view', scope: 'appointments', resourceType: 'reminder_preferences' });
	const [row] = await db.select().from(patients).where(eq(patients.id, patientId));
	const defaults = await readReminderDefaults(db);
	const prefs = row!.communicationPreferences;
	return {
		patientId,
		patientName: `${row!.givenName} ${row!.familyName}`,
		hasEmail: !!row!.email,
		hasPhone: !!row!.phone,
		email: prefs.email,
		sms: prefs.sms,
		emailLeadHours: prefs.emailLeadHours?.length ? prefs.emailLeadHours : [],
		smsLeadHours: prefs.smsLeadHours?.length ? prefs.smsLeadHours : [],
		language: row!.preferredLanguage,
		clinicDefaults: { emailLeadHours: defaults.emailLeadHours, smsLeadHours: defaults.smsLeadHours }
	};
}

const hoursList = z
	.array(z.number().int('Use whole hours.').min(1, 'Use at least 1 hour.').max(maxLeadHours, `Use at most ${maxLeadHours} hours (two weeks).`))
	.max(3, 'Choose at most three reminder times per channel.');

export const reminderPreferencesInput = z.object({
	email: z.boolean(),
	sms: z.boolean(),
	emailLeadHours: hoursList,
	smsLeadHours: hoursList,
	language: z.enum(supportedLanguages, { error: 'Choose one of the languages in the list.' })
});
export type ReminderPreferencesInput = z.infer<typeof reminderPreferencesInput>;

export class PreferencesRefusal extends Error {
	constructor(
		readonly field: string,
		message: string
	) {
		super(message);
		this.name = 'PreferencesRefusal';
	}
}

/**
 * Saves the preferences (audited 'reminder.preferences_change'). Reminders already planned keep
 * their times; the next booking or reschedule plans with the new ones.
 */
export async function updateReminderPreferences(db: Database, actor: Actor, patientId: string, input: ReminderPreferencesInput): Promise<void> {
	const parsed = reminderPreferencesInput.parse(input);
	await db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		await authorizeAgent(tx, actor, patientId, { action: 'reminder.preferences_change', scope: 'appointments', resourceType: 'reminder_preferences', auditSuccess: false });
		const [row] = await tx.select({ email: patients.email, phone: patients.phone, prefs: patients.communicationPreferences }).from(patients).where(eq(patients.id, patientId)).for('update');
		if (parsed.sms && !row!.phone) throw new PreferencesRefusal('sms', 'We have no mobile number for text messages. Ask the clinic to add one, or choose email.');
		if (parsed.email && !row!.email) throw new PreferencesRefusal('email', 'We have no email address. Ask the clinic to add one, or choose text messages.');
		const next: CommunicationPreferences = {
			...row!.prefs,
			email: parsed.email,
			sms: parsed.sms,
			emailLeadHours: [...new Set(parsed.emailLeadHours)].sort((a, b) => b - a),
			smsLeadHours: [...new Set(parsed.smsLeadHours)].sort((a, b) => b - a)
		};
		await tx.update(patients).set({ communicationPreferences: next, preferredLanguage: parsed.language, updatedAt: new Date() }).where(eq(patients.id, patientId));
		await recordAuditEvent(tx, actor, {
			action: 'reminder.preferences_change',
			outcome: 'success',
			patientId,
			resourceType: 'reminder_preferences',
			resourceId: patientId,
			reason: `email ${parsed.email ? 'on' : 'off'} [${next.emailLeadHours!.join(',') || 'default'}]; sms ${parsed.sms ? 'on' : 'off'} [${next.smsLeadHours!.join(',') || 'default'}]; language ${parsed.language}`
		});
	});
}
