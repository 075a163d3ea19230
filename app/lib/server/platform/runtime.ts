import type { DatabaseHandle } from '../../../../db/client';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import type { DocumentCipher } from '../documents/cipher';

/**
 * What the composition root (server/) builds once per process and every adapter reads:
 * SvelteKit routes, the collaboration server and socket handlers.
 *
 * It lives on globalThis because the SvelteKit bundle and the server entry each get their own
 * copy of this module (Vite bundles one, tsx loads the other); a module-level variable would
 * give two runtimes and two handles on one embedded database, which PGlite cannot share.
 */
export interface Runtime {
	config: AppConfig;
	logger: Logger;
	database: DatabaseHandle;
	documentCipher: DocumentCipher;
}

const runtimeKey = Symbol.for('clinicsync.runtime');
type RuntimeHolder = { [runtimeKey]?: Runtime };

export function provideRuntime(runtime: Runtime | undefined): void {
	(globalThis as RuntimeHolder)[runtimeKey] = runtime;
}

export function getRuntime(): Runtime {
	const runtime = (globalThis as RuntimeHolder)[runtimeKey];
	if (!runtime) throw new Error('The ClinicSync runtime is not started (start the app with `npm start` or `npm run dev`).');
	return runtime;
}

export function hasRuntime(): boolean {
	return (globalThis as RuntimeHolder)[runtimeKey] !== undefined;
}
