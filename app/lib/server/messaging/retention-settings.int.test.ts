import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, chatClinicSettings } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { actorFor, demoClinicDatabase } from '../admin/testing';
import { retentionDays } from './retention';
import { getRetentionSetting, retentionFormSchema, setRetentionSetting } from './retention-settings';

describe('retentionFormSchema', () => {
	const error = (input: Record<string, string>) => retentionFormSchema.safeParse(input).error?.issues[0]?.message;
	it('reads "keep forever" and a number of days', () => {
		expect(retentionFormSchema.parse({ keep: 'forever', days: '12' })).toEqual({ retentionDays: null });
		expect(retentionFormSchema.parse({ keep: 'days', days: ' 365 ' })).toEqual({ retentionDays: 365 });
	});
	it('refuses days outside 30..36500 or not a whole number, in words', () => {
		for (const days of ['29', '36501', '7.5', 'ten', '', '-40']) {
			expect(error({ keep: 'days', days })).toBe('Enter a whole number of days from 30 to 36500.');
		}
		expect(error({ keep: 'sometimes' })).toBe('Choose how long to keep messages.');
	});
});

describe.each(testDatabaseKinds)('message retention setting (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;

	beforeAll(async () => {
		t = await demoClinicDatabase(kind);
		admin = await actorFor(t, 'admin@riverside.example');
	});
	afterAll(async () => {
		await t?.drop();
	});

	it('keeps messages indefinitely until set; saves a period, audits the change, and the sweep reads it', async () => {
		expect(await getRetentionSetting(t.db, admin)).toEqual({ retentionDays: null });
		expect(await setRetentionSetting(t.db, admin, { retentionDays: 365 })).toEqual({ changed: true });
		expect(await retentionDays(t.db)).toBe(365);
		expect(await setRetentionSetting(t.db, admin, { retentionDays: 365 })).toEqual({ changed: false });
		expect(await setRetentionSetting(t.db, admin, { retentionDays: null })).toEqual({ changed: true });
		expect(await retentionDays(t.db)).toBeNull();
		expect(await t.db.select().from(chatClinicSettings)).toHaveLength(1);
		const events = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'clinic.settings_change'));
		expect(events.map((e) => e.reason)).toEqual(['messageRetentionDays: none → 365', 'messageRetentionDays: 365 → none']);
	});

	it('refuses anyone but an administrator and changes nothing', async () => {
		const nurse = await actorFor(t, 'nurse.patel@riverside.example');
		await expect(getRetentionSetting(t.db, nurse)).rejects.toBeInstanceOf(AccessDenied);
		await expect(setRetentionSetting(t.db, nurse, { retentionDays: 30 })).rejects.toBeInstanceOf(AccessDenied);
		expect(await retentionDays(t.db)).toBeNull();
	});
});
