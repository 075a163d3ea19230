import { defineConfig, devices } from '@playwright/test';

/**
 * e2e specs run against the production build served by `npm start`, in Debian's Chromium
 * (Playwright cannot download browsers here). Two servers: the embedded database (PGlite, a
 * throwaway data directory) and PostgreSQL (a freshly created database); the first-run journey
 * runs on both, the proof of encryption on PostgreSQL, the other journeys on PGlite.
 */
// Overridable so that two checkouts can run their e2e suites at once.
const pglitePort = Number(process.env.E2E_PGLITE_PORT ?? 3107);
const postgresPort = Number(process.env.E2E_POSTGRES_PORT ?? 3108);
// The PGlite server sends email to a real SMTP server on loopback at this port; the portal
// booking journey listens there (smtp-server) for the reminder. When nobody listens, email waits
// in the outbox and is retried, which is what the other journeys see.
const smtpPort = Number((process.env.E2E_SMTP_PORT ??= String(pglitePort + 2)));
// Playwright evaluates this file again in each worker process: the run's id travels in the
// environment (workers inherit it), so a spec finds the data directory of the server it tests.
const runId = (process.env.E2E_RUN_ID ??= String(process.pid));
const postgresUrl = `${process.env.E2E_POSTGRES_SERVER ?? 'postgres://postgres@127.0.0.1:5432'}/clinicsync_e2e${process.env.E2E_DATABASE_SUFFIX ?? ''}`;
const postgresDataDir = `test-results/e2e-postgres-${runId}`;
// For the proof-of-encryption journey, which dumps this database and scans this directory.
process.env.E2E_POSTGRES_DATABASE_URL = postgresUrl;
process.env.E2E_POSTGRES_DATA_DIR = postgresDataDir;

const chromium = {
	...devices['Desktop Chrome'],
	channel: undefined,
	launchOptions: {
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--use-fake-ui-for-media-stream',
			'--use-fake-device-for-media-stream'
		]
	}
};

// Plan-change notices after 5 s instead of 2 minutes, so the live-notification journey is quick;
// due appointment reminders queued every 2 s instead of every minute, so the portal booking
// journey's reminder (due at once) arrives within seconds.
const serverEnv = { LOG_LEVEL: 'warn', HOST: '127.0.0.1', PLAN_NOTICE_DELAY_SECONDS: '5', REMINDER_SWEEP_SECONDS: '2' };

export default defineConfig({
	testDir: 'e2e',
	fullyParallel: false,
	// One worker per server: the PGlite server's journeys share its clinic and run one at a time, in
	// order (workers: 1 on each project); the PostgreSQL server's two journeys touch nothing of the
	// PGlite server (their own server, database and data directory), so they run beside them.
	workers: 2,
	forbidOnly: !!process.env.CI,
	retries: 0,
	timeout: 90_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	// A trace records a screencast and a DOM snapshot at every step: a fifth of the run's CPU on
	// two cores. CI keeps only what it prints (the clone and its test-results go away), so it
	// records none; a local run keeps the trace of a failed test.
	use: { trace: process.env.CI ? 'off' : 'retain-on-failure' },
	projects: [
		// The first-run journey needs an empty clinic, so it runs before every other journey.
		{ name: 'pglite-first-run', testMatch: /first-run\.spec\.ts/, workers: 1, use: { ...chromium, baseURL: `http://localhost:${pglitePort}` } },
		{
			name: 'pglite',
			testIgnore: [/first-run\.spec\.ts/, /encryption-proof\.spec\.ts/],
			dependencies: ['pglite-first-run'],
			workers: 1,
			use: { ...chromium, baseURL: `http://localhost:${pglitePort}` }
		},
		{ name: 'postgres-first-run', testMatch: /first-run\.spec\.ts/, workers: 1, use: { ...chromium, baseURL: `http://localhost:${postgresPort}` } },
		// The proof of encryption dumps the database with pg_dump, so it runs on PostgreSQL.
		{ name: 'postgres', testMatch: /encryption-proof\.spec\.ts/, dependencies: ['postgres-first-run'], workers: 1, use: { ...chromium, baseURL: `http://localhost:${postgresPort}` } }
	],
	webServer: [
		{
			command: `rm -rf test-results/e2e-pglite-${runId} && npm start`,
			url: `http://localhost:${pglitePort}/healthz`,
			reuseExistingServer: false,
			timeout: 240_000,
			stdout: 'ignore',
			stderr: 'pipe',
			env: { ...serverEnv, PORT: String(pglitePort), DATA_DIR: `test-results/e2e-pglite-${runId}`, DATABASE_URL: '', SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }
		},
		{
			command: 'tsx scripts/reset-e2e-database.ts && npm start',
			url: `http://localhost:${postgresPort}/healthz`,
			reuseExistingServer: false,
			timeout: 240_000,
			stdout: 'ignore',
			stderr: 'pipe',
			env: { ...serverEnv, PORT: String(postgresPort), DATA_DIR: postgresDataDir, DATABASE_URL: postgresUrl }
		}
	]
});
