/**
 * LiveKit rooms of consults (RoomServiceClient, Twirp over HTTPS). A room is made when the consult
 * is opened (capacity, and an empty timeout so an abandoned room goes away) and deleted when the
 * consult ends, which disconnects everyone still in it. Both are no-ops without LiveKit.
 */
import { RoomServiceClient, TwirpError } from 'livekit-server-sdk';
import { LIVEKIT_REQUEST_TIMEOUT_SECONDS, type LivekitConfig } from './livekit-config';

/** An empty room closes itself after this long (nobody joined, or everybody left). */
export const EMPTY_ROOM_TIMEOUT_SECONDS = 10 * 60;
/** After the last participant leaves a room that had people in it. */
export const DEPARTURE_TIMEOUT_SECONDS = 2 * 60;

function roomService(livekit: LivekitConfig): RoomServiceClient {
	return new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret, { requestTimeout: LIVEKIT_REQUEST_TIMEOUT_SECONDS });
}

export async function ensureMediaRoom(config: { livekit?: LivekitConfig }, roomName: string, options: { maxParticipants: number }): Promise<void> {
	if (!config.livekit) return;
	// CreateRoom returns the existing room when it is there already: calling it twice is safe.
	await roomService(config.livekit).createRoom({
		name: roomName,
		maxParticipants: options.maxParticipants,
		emptyTimeout: EMPTY_ROOM_TIMEOUT_SECONDS,
		departureTimeout: DEPARTURE_TIMEOUT_SECONDS
	});
}

export async function closeMediaRoom(config: { livekit?: LivekitConfig }, roomName: string): Promise<void> {
	if (!config.livekit) return;
	try {
		await roomService(config.livekit).deleteRoom(roomName);
	} catch (error) {
		// Already gone (emptied and timed out): the consult is closed either way.
		if (error instanceof TwirpError && error.status === 404) return;
		throw error;
	}
}
