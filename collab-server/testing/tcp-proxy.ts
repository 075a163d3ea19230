/**
 * A TCP proxy in front of PostgreSQL that a test can cut and restore, to make the database
 * unreachable for one server without stopping the shared PostgreSQL other tests use.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
	private server: Server | undefined;
	private readonly open = new Set<Socket>();
	private refusing = false;
	/** Connections refused while cut (the server kept trying: that is its retry). */
	refusedConnections = 0;
	acceptedConnections = 0;

	constructor(
		private readonly target: { host: string; port: number },
		readonly port: number
	) {}

	async start(): Promise<void> {
		this.server = createServer((client) => {
			if (this.refusing) {
				this.refusedConnections += 1;
				client.destroy();
				return;
			}
			this.acceptedConnections += 1;
			const upstream = connect(this.target.port, this.target.host);
			this.open.add(client);
			this.open.add(upstream);
			const drop = () => {
				client.destroy();
				upstream.destroy();
				this.open.delete(client);
				this.open.delete(upstream);
			};
			client.on('error', drop).on('close', drop);
			upstream.on('error', drop).on('close', drop);
			client.pipe(upstream);
			upstream.pipe(client);
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(this.port, '127.0.0.1', () => resolve());
		});
	}

	/** Drops every open connection and refuses new ones until restore(). */
	cut(): void {
		this.refusing = true;
		for (const socket of this.open) socket.destroy();
		this.open.clear();
	}

	restore(): void {
		this.refusing = false;
	}

	/** A postgres:// URL like `url` but through this proxy. */
	proxiedUrl(url: string): string {
		const proxied = new URL(url);
		proxied.hostname = '127.0.0.1';
		proxied.port = String(this.port);
		return proxied.toString();
	}

	async stop(): Promise<void> {
		this.cut();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}
