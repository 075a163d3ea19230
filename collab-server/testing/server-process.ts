/**
 * `npm start` as a real child process that a test can SIGKILL and start again on the same
 * port. The server runs in ONE process (`node --import tsx server/start.ts`, not the tsx CLI,
 * which would put the server in a grandchild that a SIGKILL of the CLI leaves running).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerExit {
	code: number | null;
	signal: NodeJS.Signals | null;
	/** True when the test asked for it (kill/stop); false is a crash. */
	requested: boolean;
}

export interface ServerProcessOptions {
	port: number;
	/** DATABASE_URL, DATA_DIR, … (PORT, HOST and LOG_LEVEL are set here). */
	env: Record<string, string>;
	/** Extra node flags, e.g. --expose-gc. */
	nodeFlags?: string[];
	root?: string;
}

export class ServerProcess {
	readonly url: string;
	readonly exits: ServerExit[] = [];
	private child: ChildProcess | undefined;
	private exited: Promise<void> = Promise.resolve();
	private killRequested = false;
	/** The last lines the server printed, for a failure message. */
	private readonly recent: string[] = [];

	constructor(private readonly options: ServerProcessOptions) {
		this.url = `http://127.0.0.1:${options.port}`;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	/** Exits the test did not ask for (a crash). */
	get crashes(): ServerExit[] {
		return this.exits.filter((e) => !e.requested);
	}

	output(): string {
		return this.recent.join('\n');
	}

	async start(timeoutMs = 90_000): Promise<void> {
		if (this.running) throw new Error('The server is already running.');
		const env: Record<string, string> = {};
		// Vitest's own variables would make the child believe it runs under a test runner.
		for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('VITEST')) env[key] = value;
		Object.assign(env, { PORT: String(this.options.port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...this.options.env });
		const child = spawn(process.execPath, [...(this.options.nodeFlags ?? []), '--import', 'tsx', 'server/start.ts'], {
			cwd: this.options.root ?? repositoryRoot,
			env,
			stdio: ['ignore', 'pipe', 'pipe']
		});
		this.child = child;
		this.killRequested = false;
		this.exited = new Promise((resolve) =>
			child.once('exit', (code, signal) => {
				this.exits.push({ code, signal, requested: this.killRequested });
				resolve();
			})
		);
		const remember = (line: string) => {
			this.recent.push(line);
			if (this.recent.length > 200) this.recent.shift();
		};
		createInterface({ input: child.stderr! }).on('line', remember);
		const lines = createInterface({ input: child.stdout! });
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`The server did not start within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs);
			lines.on('line', (line) => {
				remember(line);
				if (line.includes('ClinicSync is running at')) {
					clearTimeout(timer);
					resolve();
				}
			});
			child.once('exit', (code, signal) => {
				clearTimeout(timer);
				reject(new Error(`The server exited (${code ?? signal}) before listening:\n${this.output()}`));
			});
		});
	}

	/** Sends the signal and waits until the process is gone. */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		if (!this.running) return;
		this.killRequested = true;
		this.child!.kill(signal);
		await this.exited;
	}

	async healthy(): Promise<boolean> {
		try {
			const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
			return response.ok;
		} catch {
			return false;
		}
	}
}
