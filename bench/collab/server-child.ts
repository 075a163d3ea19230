/**
 * One collaboration server per child process, so that its memory is its own and the clients
 * (in the parent) do not share its core: `node --expose-gc --import tsx server-child.ts
 * <ours|hocuspocus|y-websocket> <port>`. Answers {type:'memory'} over IPC with
 * process.memoryUsage() after a full collection.
 */
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type ServerKind = 'ours' | 'hocuspocus' | 'y-websocket';
export type ChildRequest = { type: 'memory' };
export type ChildMessage = { type: 'ready' } | { type: 'memory'; usage: NodeJS.MemoryUsage };

const kind = process.argv[2] as ServerKind;
const port = Number(process.argv[3]);

// Each kind imports only its own server, so a server's memory holds nothing of the others.
async function start(): Promise<void> {
	if (kind === 'hocuspocus') {
		const { Server } = await import('@hocuspocus/server');
		// Bare Hocuspocus: no extensions, default configuration, its own server class.
		const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false });
		await server.listen();
		return;
	}
	if (kind === 'y-websocket') {
		const { WebSocketServer } = await import('ws');
		const { setupWSConnection } = await import('@y/websocket-server/utils');
		// The reference server as its bin sets it up: a ws server, one Y.Doc per path, in memory.
		const http = createServer((_req, res) => res.end('y-websocket'));
		const wss = new WebSocketServer({ server: http });
		wss.on('connection', (conn, req) => setupWSConnection(conn, req));
		await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', () => resolve()));
		return;
	}
	// Ours: the real composition root (durable log on PostgreSQL, every extension), without the
	// SvelteKit pages, which the benchmark does not call.
	const { readConfig } = await import('../../app/lib/server/platform/config');
	const { createAppServer } = await import('../../server/app-server');
	const config = readConfig({
		PORT: String(port),
		HOST: '127.0.0.1',
		DATABASE_URL: process.env.BENCH_DATABASE_URL,
		DATA_DIR: mkdtempSync(path.join(tmpdir(), 'clinicsync-bench-')),
		LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn'
	});
	const server = await createAppServer({
		config,
		loadHandler: async () => (_req, res) => {
			res.statusCode = 404;
			res.end();
		}
	});
	await server.listen(port, '127.0.0.1');
}

process.on('message', (message: ChildRequest) => {
	if (message.type !== 'memory') return;
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('Start the server child with --expose-gc.');
	gc();
	gc();
	setImmediate(() => {
		gc();
		process.send!({ type: 'memory', usage: process.memoryUsage() } satisfies ChildMessage);
	});
});

await start();
process.send!({ type: 'ready' } satisfies ChildMessage);
