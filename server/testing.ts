/**
 * Starts the real server (built SvelteKit app, /collab, socket.io) on port 0 over a test
 * database, for integration tests. `npm test` builds the app first.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../db/testing';
import type { DatabaseKind } from '../db/client';
import { readConfig } from '../app/lib/server/platform/config';
import { createLogger } from '../app/lib/server/platform/logger';
import { createAppServer, type AppServer, type RequestHandler } from './app-server';

const builtHandler = fileURLToPath(new URL('../build/handler.js', import.meta.url));

export interface TestServer {
	url: string;
	server: AppServer;
	database: TestDatabase;
	stop(): Promise<void>;
}

export async function startTestServer(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestServer> {
	if (!existsSync(builtHandler)) throw new Error('build/handler.js is missing: run `npm run build` before the integration tests.');
	const dataDir = mkdtempSync(path.join(tmpdir(), 'clinicsync-test-'));
	const database = await createTestDatabase(kind);
	const config = readConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...env });
	const server = await createAppServer({
		config,
		database,
		logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
		loadHandler: async () => (await import(/* @vite-ignore */ pathToFileURL(builtHandler).href)).handler as RequestHandler
	});
	const url = await server.listen(0, '127.0.0.1');
	return {
		url,
		server,
		database,
		async stop() {
			// The server closes the database handle; drop() then removes the Postgres database.
			await server.close();
			await database.drop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** Signs in through the real sign-in form and returns the session cookie header value. */
export async function signInCookie(url: string, email: string, password: string): Promise<string> {
	const response = await fetch(`${url}/sign-in`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'false' },
		body: new URLSearchParams({ email, password })
	});
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('clinicsync_session='));
	if (!cookie) throw new Error(`Sign-in as ${email} failed with status ${response.status}.`);
	return cookie.split(';')[0]!;
}
