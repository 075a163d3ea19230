/**
 * What an admitted participant's browser needs to reach the call's media (the `consult:media`
 * socket event): LiveKit's URL and a token for this room only when LiveKit is configured, else
 * the ICE servers for the peer-to-peer mesh. The caller has already checked admission.
 */
import type { MediaAccess } from '../../app/lib/realtime/consult-events';
import type { MediaConfig } from '../livekit/livekit-config';
import { mintMediaToken, type MediaRole } from '../livekit/tokens';

export type { MediaAccess, MediaConfig, MediaRole };

export interface MediaAccessRequest {
	roomName: string;
	participantId: string;
	/** Accepted for symmetry with the consult state; never sent to the media server (see tokens.ts). */
	displayName?: string;
	role: MediaRole;
}

export async function mediaAccessFor(config: MediaConfig, request: MediaAccessRequest): Promise<MediaAccess> {
	if (config.livekit) {
		const token = await mintMediaToken(config.livekit, { roomName: request.roomName, participantId: request.participantId, role: request.role });
		return { transport: 'livekit', url: config.livekit.url, token };
	}
	// Copies: the browser gets exactly the fields RTCPeerConnection reads.
	const iceServers = config.iceServers.map((s) => ({ urls: s.urls, ...(s.username !== undefined ? { username: s.username } : {}), ...(s.credential !== undefined ? { credential: s.credential } : {}) }));
	return { transport: 'p2p', iceServers };
}
