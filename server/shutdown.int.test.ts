import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';

/** `npm start` as a real process: it comes up, serves, and on SIGTERM/SIGINT exits 0 within 10 s. */
describe.each(['SIGTERM', 'SIGINT'] as const)('shutdown on %s', (signal) => {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-shutdown-'));
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it('stops accepting, closes the database and exits 0 within 10 s', async () => {
		const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'server/start.ts'], {
			env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '' },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
		const lines = createInterface({ input: child.stdout! });
		const url = await new Promise<string>((resolve, reject) => {
			lines.on('line', (line) => {
				const match = /ClinicSync is running at (http:\/\/\S+)"/.exec(line);
				if (match) resolve(match[1]!);
			});
			child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
		});
		expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', db: 'pglite' });

		const signalledAt = Date.now();
		child.kill(signal);
		expect(await exited).toBe(0);
		expect(Date.now() - signalledAt).toBeLessThan(10_000);
		await expect(fetch(`${url}/healthz`)).rejects.toThrow();

		// The embedded database was closed cleanly: it opens again with the clinic schema intact.
		const reopened = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
		const tables = await reopened.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_name = 'patients'");
		expect(tables.rows[0]!.n).toBe(1);
		await reopened.close();
	});
});
