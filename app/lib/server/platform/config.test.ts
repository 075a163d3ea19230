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
