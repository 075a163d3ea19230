import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { PGlite } from '@electric-sql/pglite';

/**
 * `npm start` as a real process: it comes up, serves, and on SIGTERM/SIGINT exits 0 within 10 s.
 * Both runs use one data directory: the first creates and migrates the embedded database (seconds
 * of a fresh initdb and every migration), the second starts again on what the first closed.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-shutdown-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.each(['SIGTERM', 'SIGINT'] as const)('shutdown on %s', (signal) => {
	it('stops accepting, closes the database and exits 0 within 10 s', async () => {
		// Its own process group: the tsx CLI runs the server in a child of its own, and a test that
		// fails before the signal must not leave that server running (it would hold the data directory).
		const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'server/start.ts'], {
			env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '' },
			stdio: ['ignore', 'pipe', 'inherit'],
			detached: true
		});
		const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
		onTestFinished(() => {
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {
				// Already gone, as it should be.
			}
		});
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
	}, 120_000); // Start-up (first: a fresh database and every migration) on a busy 2-core machine.
});
