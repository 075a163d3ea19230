import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

describe('readConfig', () => {
	it('gives the documented defaults', () => {
		const config = readConfig({});
		expect(config.port).toBe(3000);
		expect(config.databaseUrl).toBeUndefined();
		expect(config.dataDir).toMatch(/data$/);
	});
	it('treats an empty variable as unset', () => {
		expect(readConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
	});
	it('names the variable that is wrong', () => {
		expect(() => readConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must start with postgres/);
		expect(() => readConfig({ PORT: 'eighty' })).toThrow(/PORT/);
	});
});

describe('readConfig: SMS and reminders', () => {
	it('has no SMS gateway by default, and sweeps reminders every minute', () => {
		const config = readConfig({});
		expect(config.sms).toBeUndefined();
		expect(config.reminders).toEqual({ sweepIntervalMs: 60_000, linkSecret: undefined });
	});
	it('takes a complete SMS gateway, and names what a partial one lacks', () => {
		const sms = { SMS_GATEWAY_URL: 'https://api.twilio.com', SMS_ACCOUNT_SID: 'AC1', SMS_AUTH_TOKEN: 'secret', SMS_FROM: '+15550100' };
		expect(readConfig(sms).sms).toEqual({ gatewayUrl: 'https://api.twilio.com', accountSid: 'AC1', authToken: 'secret', from: '+15550100' });
		expect(() => readConfig({ SMS_GATEWAY_URL: 'https://api.twilio.com' })).toThrow(/SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM/);
		expect(() => readConfig({ REMINDER_LINK_SECRET: 'short' })).toThrow(/REMINDER_LINK_SECRET/);
	});
});
