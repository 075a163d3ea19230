import { json } from '@sveltejs/kit';
import { isStaff } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { readRecording } from '$lib/server/consults/recording';
import { fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * A consult recording, decrypted piece by piece as it streams (WebM). readRecording decides and
 * audits access (staff with clinical access to the patient). No byte ranges: a browser-made
 * WebM has no index to seek in anyway, so players read it from the start.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to play recordings.' }, { status: 401 });
	if (!isStaff(actor)) return json({ message: 'Recordings are played back by the clinic’s staff.' }, { status: 403 });
	if (!fields.uuid.safeParse(params.patientId).success || !fields.uuid.safeParse(params.recordingId).success) {
		return json({ message: 'There is no recording at this address.' }, { status: 404 });
	}
	const { database, documentCipher, logger } = getRuntime();
	let playback;
	try {
		playback = await readRecording(database.db, actor, params.patientId, params.recordingId, { cipher: documentCipher });
	} catch (cause) {
		if (cause instanceof AccessDenied) return json({ message: 'Recordings are visible to the patient’s care team.' }, { status: 403 });
		if (cause instanceof NotFound) return json({ message: 'There is no recording at this address.' }, { status: 404 });
		throw cause;
	}
	if (!playback.recording.playable) {
		const message =
			playback.recording.transport === 'livekit' ? 'This recording was made by the media server and is kept in its storage, not here.' : 'Nothing was recorded in this recording.';
		return json({ message }, { status: 409 });
	}
	const chunks = playback.chunks();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const next = await chunks.next();
				if (next.done) controller.close();
				else controller.enqueue(next.value);
			} catch {
				// Headers are gone already: end the stream broken rather than serve altered bytes.
				logger.error({ requestId: locals.requestId, recordingId: params.recordingId }, 'recording piece failed to decrypt');
				controller.error(new Error('recording unreadable'));
			}
		},
		async cancel() {
			await chunks.return(undefined);
		}
	});
	return new Response(body, {
		headers: {
			'content-type': playback.recording.contentType,
			'content-length': String(playback.recording.byteSize),
			'content-disposition': `inline; filename="consult-recording-${playback.recording.startedAt.slice(0, 10)}.webm"`,
			'accept-ranges': 'none',
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff'
		}
	});
};
