/**
 * `npm run audit:verify`: checks the audit trail's hash chain in the database the server uses
 * (DATABASE_URL, else PGlite under DATA_DIR). Exits 0 when intact, 1 naming the first bad
 * event, 2 when the check could not run.
 */
import path from 'node:path';
import { readConfig } from '../app/lib/server/platform/config';
import { verifyAuditChain } from '../app/lib/server/audit/verify-chain';
import { openDatabase } from '../db/client';

const config = readConfig();
const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, maxConnections: 1 } : { dataDir: path.join(config.dataDir, 'pglite') });
let status = 2;
try {
	const verdict = await verifyAuditChain(database.db);
	if (verdict.ok) {
		console.log(`Audit trail intact: ${verdict.events} events; head seq ${verdict.headSeq ?? '–'}, hash ${verdict.headHash ?? '–'}.`);
		console.log('Keep the head seq and hash somewhere else: removing the newest events leaves no gap to find.');
		status = 0;
	} else {
		console.error(`Audit trail BROKEN at event seq ${verdict.firstBadSeq} (id ${verdict.firstBadId}): ${verdict.problem}.`);
		console.error(`${verdict.events} events before it check out.`);
		status = 1;
	}
} catch (error) {
	console.error(`Could not check the audit trail: ${(error as Error).message}`);
} finally {
	await database.close();
}
process.exit(status);
