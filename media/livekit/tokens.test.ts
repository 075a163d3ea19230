import { TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { mediaAccessFor } from '../server/media-access';
import { MEDIA_TOKEN_TTL_SECONDS, mintMediaToken, type MediaRole } from './tokens';

const livekit = { url: 'wss://media.clinic.test', apiKey: 'APIclinic', apiSecret: 'a-secret-of-at-least-thirty-two-characters' };
const roomName = 'consult-Zr5wYkD0xv6b8H3nQm1aPg';
const participantId = '6f1c1a52-8d3e-4c1e-9a7b-2f0e5d4c3b2a';

async function grantsOf(role: MediaRole) {
	const token = await mintMediaToken(livekit, { roomName, participantId, role });
	return new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(token);
}

describe('LiveKit media tokens', () => {
	it('lets everyone join this room only, publish camera, microphone and screen, subscribe and send data', async () => {
		for (const role of ['host', 'clinician', 'patient', 'proxy'] as const) {
			const claims = await grantsOf(role);
			expect(claims.sub).toBe(participantId);
			expect(claims.iss).toBe(livekit.apiKey);
			expect(claims.video).toMatchObject({ room: roomName, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: false });
			expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone', 'screen_share']);
			// Short-lived: ten minutes to join.
			expect(claims.exp! - claims.nbf!).toBe(MEDIA_TOKEN_TTL_SECONDS);
			// No names leave the clinic: the room name is random and the token carries none.
			expect(claims.name).toBeUndefined();
		}
	});

	it('gives the host room admin and recording, and nobody else', async () => {
		expect((await grantsOf('host')).video).toMatchObject({ roomAdmin: true, roomRecord: true, roomCreate: false, roomList: false });
		for (const role of ['clinician', 'patient', 'proxy'] as const) {
			const video = (await grantsOf(role)).video!;
			expect(video.roomAdmin, role).toBe(false);
			expect(video.roomRecord, role).toBe(false);
			expect(video.roomCreate, role).toBe(false);
			expect(video.roomList, role).toBe(false);
			expect(video.ingressAdmin, role).toBe(false);
			expect(video.recorder, role).toBe(false);
		}
	});

	it('is refused by a verifier with another secret (the SFU would refuse it too)', async () => {
		const token = await mintMediaToken(livekit, { roomName, participantId, role: 'patient' });
		await expect(new TokenVerifier(livekit.apiKey, 'another-secret-of-at-least-thirty-two-chars').verify(token)).rejects.toThrow();
	});
});

describe('media access', () => {
	it('is LiveKit (URL + a token for this room) when configured', async () => {
		const access = await mediaAccessFor({ livekit, iceServers: [] }, { roomName, participantId, displayName: 'Maria Garcia', role: 'patient' });
		expect(access.transport).toBe('livekit');
		if (access.transport !== 'livekit') return;
		expect(access.url).toBe(livekit.url);
		const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(access.token);
		expect(claims.video?.room).toBe(roomName);
		expect(access.token).not.toContain('Maria');
	});

	it('is peer-to-peer with the configured ICE servers otherwise, and never leaks a LiveKit secret', async () => {
		const iceServers = [{ urls: 'stun:stun.clinic.test:3478' }, { urls: ['turn:turn.clinic.test:3478'], username: 'u', credential: 'p' }];
		const access = await mediaAccessFor({ iceServers }, { roomName, participantId, role: 'host' });
		expect(access).toEqual({ transport: 'p2p', iceServers });
		expect(await mediaAccessFor({ iceServers: [] }, { roomName, participantId, role: 'host' })).toEqual({ transport: 'p2p', iceServers: [] });
	});
});
