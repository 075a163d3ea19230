/**
 * LiveKit access tokens: least privilege, one room, a short life. Everyone in the call may join,
 * publish their camera, microphone and screen, subscribe and send data; only the host may
 * administer the room (mute, remove) and record. Patients and proxies never get admin, record,
 * create or list rights: the grant says false explicitly, so a reader of the token sees it.
 */
import { AccessToken, TrackSource, type VideoGrant } from 'livekit-server-sdk';
import type { LivekitConfig } from './livekit-config';

export type MediaRole = 'host' | 'clinician' | 'patient' | 'proxy';

/** Ten minutes to join with it; LiveKit refreshes the token of a connected participant itself. */
export const MEDIA_TOKEN_TTL_SECONDS = 10 * 60;

export function videoGrantFor(roomName: string, role: MediaRole): VideoGrant {
	const host = role === 'host';
	return {
		room: roomName,
		roomJoin: true,
		canPublish: true,
		canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE],
		canSubscribe: true,
		canPublishData: true,
		canUpdateOwnMetadata: false,
		roomAdmin: host,
		roomRecord: host,
		roomCreate: false,
		roomList: false,
		ingressAdmin: false,
		hidden: false,
		recorder: false
	};
}

export interface MediaTokenRequest {
	roomName: string;
	/** consult_participants.id: the SFU's identity, echoed in webhooks (participant joined/left). */
	participantId: string;
	role: MediaRole;
}

/**
 * The token carries no name: the SFU needs none (the call's UI takes names from the consult
 * state), and the room name is random, so the media server learns nothing about who meets.
 */
export async function mintMediaToken(livekit: LivekitConfig, request: MediaTokenRequest): Promise<string> {
	if (!request.roomName || !request.participantId) throw new Error('A media token needs a room and a participant.');
	const token = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity: request.participantId, ttl: MEDIA_TOKEN_TTL_SECONDS });
	token.addGrant(videoGrantFor(request.roomName, request.role));
	return token.toJwt();
}
