/**
 * Sign-out of secure messaging on this browser: the chat keys and the local search index hold
 * the means to read every conversation, so none of them may outlive a sign-out on what may be a
 * shared workstation. Kept apart from the chat client so the sign-out button (on every page)
 * does not load the crypto and the index to run it.
 */
import { clearChatStorage } from './key-store';

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
 * Revokes this browser's device (its keys are about to be erased, so no one should keep boxing
 * room keys to it), stops the tab's chat client and deletes every chat database of this browser.
 * Never throws: the sign-out must go ahead.
 */
export async function clearChatDevice(): Promise<void> {
	const client = running;
	running = null;
	if (client) {
		await Promise.race([client.signOut().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, revokeWaitMs))]);
	}
	await clearChatStorage().catch(() => undefined);
}
