/**
 * `npm run demo`: loads the Riverside Family Health demo clinic into the database the server
 * would use (DATABASE_URL, else PGlite under DATA_DIR), then lists the demo accounts.
 * Refuses, with exit status 1, when that database already holds a clinic.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readConfig } from '../app/lib/server/platform/config';
import { loadDemo } from '../app/lib/server/clinic/demo';
import { createDocumentCipher, loadDocumentKey } from '../app/lib/server/documents/cipher';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { ClinicAlreadyExistsError, demoAccounts, demoPassword } from '../db/seed/demo-clinic';

async function main(): Promise<number> {
	const config = readConfig();
	const pgliteDir = path.join(config.dataDir, 'pglite');
	if (!config.databaseUrl) await mkdir(pgliteDir, { recursive: true });
	const where = config.databaseUrl ? `PostgreSQL (${redactPassword(config.databaseUrl)})` : `PGlite in ${pgliteDir}`;

	const started = performance.now();
	const database: DatabaseHandle = await openDatabase({ url: config.databaseUrl, dataDir: pgliteDir, maxConnections: 2 });
	try {
		await migrateDatabase(database);
		// The same path as the setup page's button; no signed-in actor, so the audit event has none.
		// The same key the server loads, so the demo lab report opens in the app.
		const cipher = createDocumentCipher(loadDocumentKey(config.documentEncryptionKey, config.dataDir));
		const result = await loadDemo(database.db, { sourceAddress: null, requestId: null }, cipher);
		if (!result.ok) {
			console.error(`${where}: ${result.message}`);
			console.error('The demo only loads into an empty database: point DATA_DIR or DATABASE_URL at a new one.');
			return 1;
		}
		const { summary } = result;
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		console.log(`Loaded the demo clinic "${summary.clinicName}" into ${where} in ${seconds} s:`);
		console.log(
			`  ${summary.patients} patients, ${summary.practitioners} practitioners, ${summary.users} accounts, ` +
				`${summary.encounters} encounters (${summary.plannedEncounters} upcoming), ${summary.problems} problems, ` +
				`${summary.medications} medications, ${summary.allergies} allergies, ${summary.observations} observations`
		);
		console.log(`\nDemo accounts (password for all: ${demoPassword}):`);
		const width = Math.max(...demoAccounts.map((a) => a.email.length));
		for (const account of demoAccounts) {
			console.log(`  ${account.email.padEnd(width)}  ${account.role.padEnd(12)}  ${account.description}`);
		}
		return 0;
	} catch (error) {
		if (error instanceof ClinicAlreadyExistsError) {
			console.error(`${where} already holds the clinic "${error.clinicName}"; nothing was changed.`);
			console.error('The demo only loads into an empty database: point DATA_DIR or DATABASE_URL at a new one.');
			return 1;
		}
		throw error;
	} finally {
		await database.close();
	}
}

function redactPassword(url: string): string {
	const parsed = new URL(url);
	if (parsed.password) parsed.password = '***';
	return parsed.toString();
}

main().then(
	(status) => {
		process.exitCode = status;
	},
	(error: unknown) => {
		console.error('Loading the demo clinic failed:', error);
		process.exitCode = 1;
	}
);
