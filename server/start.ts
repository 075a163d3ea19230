/**
 * `npm start`: build the app if the build is missing or older than its sources, apply
 * migrations, and serve everything on one port.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readConfig } from '../app/lib/server/platform/config';
import { createLogger } from '../app/lib/server/platform/logger';
import { closeOnSignals, createAppServer, type RequestHandler } from './app-server';

const root = fileURLToPath(new URL('..', import.meta.url));
const builtHandler = path.join(root, 'build', 'handler.js');

function newestModification(target: string): number {
	if (!existsSync(target)) return 0;
	const stat = statSync(target);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of readdirSync(target)) newest = Math.max(newest, newestModification(path.join(target, entry)));
	return newest;
}

function buildIfNeeded(logger: ReturnType<typeof createLogger>): void {
	const sources = ['app', 'db/schema', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'].map((p) => path.join(root, p));
	const built = existsSync(builtHandler) ? statSync(builtHandler).mtimeMs : 0;
	if (built > Math.max(...sources.map(newestModification))) return;
	logger.info('building the app (first start or sources changed)');
	const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
	const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) throw new Error('The build failed; see the output above.');
}

const config = readConfig();
const logger = createLogger(config.logLevel);
buildIfNeeded(logger);
const server = await createAppServer({
	config,
	logger,
	loadHandler: async () => (await import(pathToFileURL(builtHandler).href)).handler as RequestHandler
});
closeOnSignals(server, logger);
const url = await server.listen(config.port, config.host);
logger.info({ url, db: server.runtime.database.kind }, `ClinicSync is running at ${url}`);
