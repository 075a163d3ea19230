/** The parent's side of a benchmark server child: start, ask for its memory, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../collab-server/testing/free-port';
import type { ChildMessage, ServerKind } from './server-child';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface MemoryFigures {
	heapUsed: number;
	external: number;
	arrayBuffers: number;
	rss: number;
}

export class BenchServer {
	private constructor(
		readonly kind: ServerKind,
		readonly port: number,
		private readonly child: ChildProcess
	) {}

	static async start(kind: ServerKind, env: Record<string, string> = {}): Promise<BenchServer> {
		const port = await freePort();
		const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', entry, kind, String(port)], {
			cwd: root,
			env: { ...process.env, ...env },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		});
		await new Promise<void>((resolve, reject) => {
			child.on('message', (message: ChildMessage) => {
				if (message.type === 'ready') resolve();
			});
			child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`)));
		});
		return new BenchServer(kind, port, child);
	}

	get httpUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Hocuspocus (ours and bare) at /collab or /; y-websocket takes the document in the path. */
	get wsUrl(): string {
		return this.kind === 'ours' ? `ws://127.0.0.1:${this.port}/collab` : `ws://127.0.0.1:${this.port}`;
	}

	get running(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	memory(): Promise<MemoryFigures> {
		return new Promise((resolve, reject) => {
			const onMessage = (message: ChildMessage) => {
				if (message.type !== 'memory') return;
				this.child.off('message', onMessage);
				clearTimeout(timer);
				const { heapUsed, external, arrayBuffers, rss } = message.usage;
				resolve({ heapUsed, external, arrayBuffers, rss });
			};
			const timer = setTimeout(() => reject(new Error(`${this.kind} did not report its memory`)), 60_000);
			this.child.on('message', onMessage);
			this.child.send({ type: 'memory' });
		});
	}

	async stop(): Promise<void> {
		if (!this.running) return;
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.kill('SIGKILL');
		await exited;
	}
}
