/**
 * The servers a run compares, each in a child process (its CPU is its own and measured; the
 * clients, in the parent, do not share its event loop): ours (the real composition root) and
 * the bare socket.io baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../collab-server/testing/free-port';
import type { PlainChildMessage, PlainChildRequest } from './plain-server';
import type { ServerChildMessage } from './our-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entries = {
	ours: fileURLToPath(new URL('./our-server.ts', import.meta.url)),
	plain: fileURLToPath(new URL('./plain-server.ts', import.meta.url))
};

type ChildMessage = PlainChildMessage | ServerChildMessage;

export class ChatBenchServer {
	private constructor(
		readonly url: string,
		private readonly child: ChildProcess
	) {}

	static async start(kind: 'ours' | 'plain', env: Record<string, string> = {}): Promise<ChatBenchServer> {
		const port = await freePort();
		// BENCH_CPU_PROF=dir writes a V8 CPU profile of the server there (open it in Chrome's DevTools).
		const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
		const child = spawn(process.execPath, [...profile, '--import', 'tsx', entries[kind], String(port)], {
			cwd: root,
			env: { ...process.env, ...env },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		});
		await new Promise<void>((resolve, reject) => {
			child.on('message', (message: ChildMessage) => message.type === 'ready' && resolve());
			child.once('exit', (code) => reject(new Error(`the ${kind} server exited with ${code} before it was ready`)));
		});
		return new ChatBenchServer(`http://127.0.0.1:${port}`, child);
	}

	private ask<T extends ChildMessage['type']>(request: PlainChildRequest, answer: T): Promise<Extract<ChildMessage, { type: T }>> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`the server did not answer ${request.type}`)), 60_000);
			const onMessage = (message: ChildMessage) => {
				if (message.type !== answer) return;
				this.child.off('message', onMessage);
				clearTimeout(timer);
				resolve(message as Extract<ChildMessage, { type: T }>);
			};
			this.child.on('message', onMessage);
			this.child.send(request);
		});
	}

	/** The plain server learns each conversation's members this way (ours has them in PostgreSQL). */
	async setConversations(members: Record<string, string[]>): Promise<void> {
		await this.ask({ type: 'conversations', members }, 'conversations-set');
	}

	/** User + system CPU time of the server process so far, in milliseconds. */
	async cpuMs(): Promise<number> {
		const { usage } = await this.ask({ type: 'cpu' }, 'cpu');
		return (usage.user + usage.system) / 1000;
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		// SIGINT lets a --cpu-prof profile be written; SIGKILL otherwise, or if it lingers.
		this.child.kill(process.env.BENCH_CPU_PROF ? 'SIGINT' : 'SIGKILL');
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(timer);
	}
}
