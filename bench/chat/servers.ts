/** The servers a run compares: ours (the real composition root) and the bare socket.io baseline, each in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../collab-server/testing/free-port';
import { BenchServer } from '../collab/server-handle';
import type { PlainChildMessage, PlainChildRequest } from './plain-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const plainEntry = fileURLToPath(new URL('./plain-server.ts', import.meta.url));

export interface ChatServerHandle {
	url: string;
	stop(): Promise<void>;
}

/** Ours: createAppServer with the chat handlers, socket.io at /socket.io, over the benchmark database. */
export async function startOurServer(databaseUrl: string): Promise<ChatServerHandle> {
	const server = await BenchServer.start('ours', { BENCH_DATABASE_URL: databaseUrl, BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error' });
	return { url: server.httpUrl, stop: () => server.stop() };
}

export class PlainServer implements ChatServerHandle {
	private constructor(
		readonly url: string,
		private readonly child: ChildProcess
	) {}

	static async start(): Promise<PlainServer> {
		const port = await freePort();
		const child = spawn(process.execPath, ['--import', 'tsx', plainEntry, String(port)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		await new Promise<void>((resolve, reject) => {
			child.on('message', (message: PlainChildMessage) => message.type === 'ready' && resolve());
			child.once('exit', (code) => reject(new Error(`the plain socket.io server exited with ${code} before it was ready`)));
		});
		return new PlainServer(`http://127.0.0.1:${port}`, child);
	}

	setConversations(members: Record<string, string[]>): Promise<void> {
		return new Promise((resolve) => {
			const onMessage = (message: PlainChildMessage) => {
				if (message.type !== 'conversations-set') return;
				this.child.off('message', onMessage);
				resolve();
			};
			this.child.on('message', onMessage);
			this.child.send({ type: 'conversations', members } satisfies PlainChildRequest);
		});
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.kill('SIGKILL');
		await exited;
	}
}
