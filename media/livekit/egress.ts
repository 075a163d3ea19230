/**
 * Recording a LiveKit consult with Egress (room composite: the whole call in a grid, one MP4).
 * Called by the recording domain (app/lib/server/consults/recording.ts) only after everyone
 * admitted has consented; the SFU never records on its own.
 *
 * Known limit, written where it lives: with end-to-end media encryption the SFU and its egress
 * see only ciphertext (LiveKit: "no intermediaries, including LiveKit servers, can access the
 * content"), so a composite of an encrypted room holds no picture or sound. Where calls are
 * end-to-end encrypted, record in the host's browser (the peer-to-peer path) instead.
 * The file lands in the egress service's configured storage under consults/<room>-<time>.mp4.
 */
import { EgressClient, EncodedFileOutput, EncodedFileType, TwirpError } from 'livekit-server-sdk';
import { LIVEKIT_REQUEST_TIMEOUT_SECONDS, type LivekitConfig } from './livekit-config';

function egressService(livekit: LivekitConfig): EgressClient {
	return new EgressClient(livekit.url, livekit.apiKey, livekit.apiSecret, { requestTimeout: LIVEKIT_REQUEST_TIMEOUT_SECONDS });
}

/** Starts recording the room; resolves with the egress id to stop it with. */
export async function startConsultRecording(livekit: LivekitConfig, roomName: string): Promise<string> {
	const output = new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: `consults/${roomName}-{time}.mp4` });
	const info = await egressService(livekit).startRoomCompositeEgress(roomName, output, { layout: 'grid' });
	if (!info.egressId) throw new Error('The media server started no recording.');
	return info.egressId;
}

export async function stopConsultRecording(livekit: LivekitConfig, egressId: string): Promise<void> {
	try {
		await egressService(livekit).stopEgress(egressId);
	} catch (error) {
		// Already over (the room closed, or it failed on its own): stopped is what was wanted.
		if (error instanceof TwirpError && (error.status === 404 || error.code === 'failed_precondition')) return;
		throw error;
	}
}
