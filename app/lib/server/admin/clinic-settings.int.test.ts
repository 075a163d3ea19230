import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, clinics } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { idleTimeoutMinutes } from '../auth/idle-timeout';
import { clinicSettingsSchema, getClinicSettings, mfaFieldName, updateClinicSettings } from './clinic-settings';
import { actorFor, demoClinicDatabase } from './testing';

const form = (overrides: Record<string, string | undefined> = {}) => {
	const base: Record<string, string | undefined> = {
		clinicName: 'Riverside Family Health',
		timeZone: 'America/New_York',
		defaultLanguage: 'en',
		idleTimeoutMinutes: '15',
		[mfaFieldName('clinic_admin')]: 'on',
		[mfaFieldName('physician')]: 'on',
		[mfaFieldName('nurse')]: 'on',
		[mfaFieldName('front_desk')]: 'on',
		[mfaFieldName('billing')]: 'on'
	};
	return Object.fromEntries(Object.entries({ ...base, ...overrides }).filter(([, v]) => v !== undefined));
};

describe('clinicSettingsSchema', () => {
	it('reads the checkboxes into a role list', () => {
		const parsed = clinicSettingsSchema.parse(form({ [mfaFieldName('billing')]: undefined, [mfaFieldName('patient')]: 'on' }));
		expect(parsed.mfaRequiredRoles).toEqual(['clinic_admin', 'physician', 'nurse', 'front_desk', 'patient']);
		expect(parsed.idleTimeoutMinutes).toBe(15);
	});

	it('keeps the idle timeout between 5 and 60 whole minutes, with a message a person can act on', () => {
		const error = (minutes: string) => clinicSettingsSchema.safeParse(form({ idleTimeoutMinutes: minutes })).error?.issues[0]?.message;
		expect(error('4')).toBe('Use at least 5 minutes.');
		expect(error('61')).toBe('Use at most 60 minutes.');
		expect(error('ten')).toBe('Enter a whole number of minutes from 5 to 60.');
		expect(error('7.5')).toBe('Enter a whole number of minutes from 5 to 60.');
		expect(clinicSettingsSchema.safeParse(form({ idleTimeoutMinutes: '5' })).success).toBe(true);
		expect(clinicSettingsSchema.safeParse(form({ idleTimeoutMinutes: '60' })).success).toBe(true);
		expect(clinicSettingsSchema.safeParse(form({ timeZone: 'Mars/Olympus' })).success).toBe(false);
		expect(clinicSettingsSchema.safeParse(form({ defaultLanguage: 'xx' })).success).toBe(false);
	});
});

describe.each(testDatabaseKinds)('clinic settings (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;

	beforeAll(async () => {
		t = await demoClinicDatabase(kind);
		admin = await actorFor(t, 'admin@riverside.example');
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('starts from the clinic as loaded: 15 minutes, MFA for staff', async () => {
		expect(await getClinicSettings(t.db, admin)).toEqual({
			clinicName: 'Riverside Family Health',
			timeZone: 'America/New_York',
			defaultLanguage: 'en',
			idleTimeoutMinutes: 15,
			mfaRequiredRoles: ['clinic_admin', 'physician', 'nurse', 'front_desk', 'billing']
		});
	});

	it('saves changes, audits what changed, and sessions use the new timeout at once', async () => {
		expect(await idleTimeoutMinutes(t.db)).toBe(15);
		const input = clinicSettingsSchema.parse(form({ idleTimeoutMinutes: '10', [mfaFieldName('billing')]: undefined }));
		expect(await updateClinicSettings(t.db, admin, input)).toEqual({ changed: ['idleTimeoutMinutes', 'mfaRequiredRoles'] });
		const [clinic] = await t.db.select().from(clinics);
		expect(clinic).toMatchObject({ idleTimeoutMinutes: 10, mfaRequiredRoles: ['clinic_admin', 'physician', 'nurse', 'front_desk'] });
		expect(await idleTimeoutMinutes(t.db)).toBe(10);
		const [event] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'clinic.settings_change'));
		expect(event).toMatchObject({ actorUserId: admin.userId, outcome: 'success' });
		expect(event!.reason).toBe('idleTimeoutMinutes: 15 → 10; mfaRequiredRoles: clinic_admin,physician,nurse,front_desk,billing → clinic_admin,physician,nurse,front_desk');

		// Saving the same values again writes nothing.
		expect(await updateClinicSettings(t.db, admin, input)).toEqual({ changed: [] });
		expect(await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'clinic.settings_change'))).toHaveLength(1);
	});

	it('refuses anyone but an administrator', async () => {
		const nurse = await actorFor(t, 'nurse.patel@riverside.example');
		await expect(getClinicSettings(t.db, nurse)).rejects.toBeInstanceOf(AccessDenied);
		await expect(updateClinicSettings(t.db, nurse, clinicSettingsSchema.parse(form({ idleTimeoutMinutes: '60' })))).rejects.toBeInstanceOf(AccessDenied);
		const [clinic] = await t.db.select().from(clinics);
		expect(clinic!.idleTimeoutMinutes).toBe(10);
	});
});
