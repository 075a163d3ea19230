import { describe, expect, it } from 'vitest';
import { retryOnDeadlock } from './errors';

function sqlError(code: string): Error {
	// drizzle wraps the driver's error; the SQLSTATE sits on the cause.
	return Object.assign(new Error('Failed query: insert into "appointments"'), { cause: Object.assign(new Error('deadlock detected'), { code }) });
}

describe('retryOnDeadlock', () => {
	it('runs a deadlock victim again and returns what the retry returns', async () => {
		let runs = 0;
		const result = await retryOnDeadlock(async () => {
			runs++;
			if (runs < 3) throw sqlError('40P01');
			return 'booked';
		});
		expect(result).toBe('booked');
		expect(runs).toBe(3);
	});

	it('passes any other error through at once', async () => {
		let runs = 0;
		const taken = sqlError('23P01');
		await expect(
			retryOnDeadlock(async () => {
				runs++;
				throw taken;
			})
		).rejects.toBe(taken);
		expect(runs).toBe(1);
	});

	it('gives up after the last attempt with the deadlock error', async () => {
		let runs = 0;
		await expect(
			retryOnDeadlock(async () => {
				runs++;
				throw sqlError('40P01');
			}, 2)
		).rejects.toThrow('Failed query');
		expect(runs).toBe(2);
	});
});
