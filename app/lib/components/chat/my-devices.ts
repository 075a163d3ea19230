/**
 * The signed-in person's chat devices as the account page lists them (keys:status) and their
 * revocation (keys:revoke-device). ChatClient has no device list, so this asks the server over
 * the tab's socket through the chat client's own transport (same acknowledgements and errors).
 */
import type { DeviceKeys } from '$lib/chat/protocol';
import { socketTransport } from '$lib/client/chat/chat-socket';
import { acquireRealtimeConnection, releaseRealtimeConnection } from '$lib/client/realtime/realtime-connection';

async function withTransport<T>(run: (transport: ReturnType<typeof socketTransport>) => Promise<T>): Promise<T> {
	const socket = acquireRealtimeConnection();
	try {
		return await run(socketTransport(socket));
	} finally {
		releaseRealtimeConnection();
	}
}

export function listMyDevices(): Promise<DeviceKeys[]> {
	return withTransport(async (transport) => (await transport.request('keys:status', {})).devices);
}

export function revokeMyDevice(deviceId: string): Promise<void> {
	return withTransport(async (transport) => {
		await transport.request('keys:revoke-device', { deviceId });
	});
}
