import { createServer } from 'node:net';

/**
 * A TCP port that is free right now on 127.0.0.1. Tests that restart a server use a fixed port
 * (not 0) so that clients reconnect to the same address after the restart.
 */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			if (address === null || typeof address === 'string') return reject(new Error('no port'));
			server.close(() => resolve(address.port));
		});
	});
}
