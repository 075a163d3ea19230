import type { Extension, Hocuspocus, onConfigurePayload, connectedPayload } from '@hocuspocus/server';
import type { CollabContext } from '../context';

/** The stateless message editors get about saving: "not saved yet" while the database is away. */
export interface StorageStatusMessage {
	type: 'storage';
	state: 'ok' | 'degraded';
}

/**
 * Tells editors when their changes cannot be saved. While the document log cannot reach the
 * database, editing goes on in memory and acknowledgements wait; every open document gets
 * `{"type":"storage","state":"degraded"}` so the page can say "not saved yet", and `ok` when
 * the log catches up. A connection that opens meanwhile is told at once.
 */
export class StorageStatusExtension implements Extension {
	priority = 550;
	private instance: Hocuspocus<CollabContext> | null = null;
	private healthy = true;

	async onConfigure({ instance }: onConfigurePayload): Promise<void> {
		this.instance = instance as Hocuspocus<CollabContext>;
	}

	async connected({ connection }: connectedPayload<CollabContext>): Promise<void> {
		if (!this.healthy) connection.sendStateless(JSON.stringify(message(false)));
	}

	setHealthy(healthy: boolean): void {
		if (healthy === this.healthy) return;
		this.healthy = healthy;
		for (const document of this.instance?.documents.values() ?? []) document.broadcastStateless(JSON.stringify(message(healthy)));
	}
}

function message(healthy: boolean): StorageStatusMessage {
	return { type: 'storage', state: healthy ? 'ok' : 'degraded' };
}
