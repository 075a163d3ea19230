/**
 * Sign-out of secure messaging on this browser: the chat keys and the local search index hold
 * the means to read every conversation, so none of them may outlive a sign-out on what may be a
 * shared workstation. Kept apart from the chat client so the sign-out button (on every page)
 * does not load the crypto and the index to run it.
 *
 * The device is revoked on the server first: its keys are about to be erased, so no one should
 * keep boxing room keys to it, and it must not count against the person's device limit.
 */
import { acquireRealtimeConnection, releaseRealtimeConnection } from '$lib/client/realtime/realtime-connection';
import { socketTransport } from './chat-socket';
import { chatDatabaseNames, clearChatStorage, openKeyStore, userIdOfDatabase } from './key-store';

interface RunningClient {
	/** Revokes this device on the server (best effort) and stops the client. */
	signOut(): Promise<void>;
}

let running: RunningClient | null = null;

export function registerRunningChatClient(client: RunningClient | null): void {
	running = client;
}

const revokeWaitMs = 3_000;

/**
 * Revokes this browser's device, stops the tab's chat client and deletes every chat database of
 * this browser. Never throws and never waits more than a few seconds: the sign-out must go ahead.
 */
export async function clearChatDevice(): Promise<void> {
	const client = running;
	running = null;
	const revoke = client ? client.signOut() : revokeStoredDevices();
	await Promise.race([revoke.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, revokeWaitMs))]);
	await clearChatStorage().catch(() => undefined);
}

/** No chat client ran in this tab: read the device ids from the stores and revoke them over the tab's socket. */
async function revokeStoredDevices(): Promise<void> {
	const deviceIds: string[] = [];
	for (const name of await chatDatabaseNames()) {
		const userId = userIdOfDatabase(name);
		if (!userId) continue;
		try {
			const store = await openKeyStore(userId);
			const device = await store.device();
			store.close();
			if (device) deviceIds.push(device.deviceId);
		} catch {
			// An unreadable store is deleted all the same.
		}
	}
	if (deviceIds.length === 0) return;
	const socket = acquireRealtimeConnection();
	try {
		const transport = socketTransport(socket);
		// The server refuses devices of other people (another user's store on this browser): fine.
		for (const deviceId of deviceIds) await transport.request('keys:revoke-device', { deviceId }).catch(() => undefined);
	} finally {
		releaseRealtimeConnection();
	}
}
