/**
 * Our server for the chat benchmark, in a child process of its own: the real composition root
 * (createAppServer: socket.io with the chat handlers, PostgreSQL, audit) without the SvelteKit
 * pages, which the benchmark does not call. `node --import tsx our-server.ts <port>`; the
 * database comes from BENCH_DATABASE_URL. Answers {type:'cpu'} with its CPU time so far.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfig } from '../../app/lib/server/platform/config';
import { createAppServer } from '../../server/app-server';
import { openDatabase } from '../../db/client';

export type ServerChildMessage = { type: 'ready' } | { type: 'cpu'; usage: NodeJS.CpuUsage };
export type ServerChildRequest = { type: 'cpu' };

const port = Number(process.argv[2]);
const config = readConfig({
	PORT: String(port),
	HOST: '127.0.0.1',
	DATABASE_URL: process.env.BENCH_DATABASE_URL,
	DATA_DIR: mkdtempSync(path.join(tmpdir(), 'clinicsync-bench-chat-')),
	LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error'
});
// BENCH_DB_POOL=n tries another pool size (the product's default is db/client.ts's).
const pool = process.env.BENCH_DB_POOL ? Number(process.env.BENCH_DB_POOL) : undefined;
const server = await createAppServer({
	config,
	...(pool ? { database: await openDatabase({ url: process.env.BENCH_DATABASE_URL!, maxConnections: pool }) } : {}),
	loadHandler: async () => (_req, res) => {
		res.statusCode = 404;
		res.end();
	}
});
await server.listen(port, '127.0.0.1');

process.on('message', (message: ServerChildRequest) => {
	if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() } satisfies ServerChildMessage);
});
// The parent stops a profiled server with SIGINT: exit normally so that --cpu-prof writes its file.
process.once('SIGINT', () => process.exit(0));
process.send!({ type: 'ready' } satisfies ServerChildMessage);
