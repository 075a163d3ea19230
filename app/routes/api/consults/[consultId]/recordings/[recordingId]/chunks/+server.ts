import { json } from '@sveltejs/kit';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { ConsultRefusal } from '$lib/server/consults/errors';
import { appendRecordingChunk, maxChunkBytes } from '$lib/server/consults/recording';
import { fields } from '$lib/server/http/validation';
import { isSameSiteRequest } from '$lib/server/messaging/http-errors';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * POST /api/consults/<consultId>/recordings/<recordingId>/chunks?seq=<n> — one piece of a
 * peer-to-peer recording, as the host's browser made it (the body is the raw bytes). The
 * recording module checks the uploader, seals the bytes and stores them. 201 {seq, stored}.
 */
export const POST: RequestHandler = async ({ locals, params, request, url }) => {
	const actor = locals.actor;
	const refuse = async (status: number, message: string, code?: string) => {
		// Drain what the browser is still sending, or it sees a reset instead of the message.
		if (request.body && !request.bodyUsed) await request.arrayBuffer().catch(() => {});
		return json({ message, ...(code ? { code } : {}) }, { status });
	};
	if (!actor) return refuse(401, 'Sign in to record consults.');
	// SvelteKit's CSRF check covers form encodings only; this endpoint takes raw bytes.
	if (!isSameSiteRequest(request, url)) return refuse(403, 'Cross-site uploads are refused.');
	if (!fields.uuid.safeParse(params.consultId).success || !fields.uuid.safeParse(params.recordingId).success) return refuse(404, 'There is no recording at this address.');
	const seqText = url.searchParams.get('seq') ?? '';
	if (!/^\d{1,6}$/.test(seqText)) return refuse(400, 'Say which piece this is: ?seq= a whole number from 0.', 'invalid');
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > maxChunkBytes) return refuse(413, `A recording piece can be at most ${maxChunkBytes / (1024 * 1024)} MB.`, 'too_large');

	const bytes = await readLimited(request, maxChunkBytes);
	if (bytes === 'too_large') return json({ message: `A recording piece can be at most ${maxChunkBytes / (1024 * 1024)} MB.`, code: 'too_large' }, { status: 413 });
	const { database, documentCipher } = getRuntime();
	try {
		const result = await appendRecordingChunk(database.db, actor, params.recordingId, Number(seqText), bytes, { cipher: documentCipher, consultId: params.consultId });
		return json(result, { status: result.stored ? 201 : 200 });
	} catch (cause) {
		if (cause instanceof ConsultRefusal) return json({ message: cause.message, code: cause.code }, { status: cause.status });
		if (cause instanceof AccessDenied) return json({ message: cause.message }, { status: 403 });
		if (cause instanceof NotFound) return json({ message: 'There is no recording at this address.' }, { status: 404 });
		throw cause;
	}
};

async function readLimited(request: Request, limit: number): Promise<Uint8Array | 'too_large'> {
	if (!request.body) return new Uint8Array(0);
	const parts: Uint8Array[] = [];
	let size = 0;
	let tooLarge = false;
	try {
		for await (const part of request.body as unknown as AsyncIterable<Uint8Array>) {
			size += part.byteLength;
			if (size > limit) tooLarge = true;
			// Past the limit, keep reading (and dropping) so the answer reaches the browser.
			if (!tooLarge) parts.push(part);
		}
	} catch (cause) {
		// adapter-node's BODY_SIZE_LIMIT errors the stream with a 413 of its own.
		if ((cause as { status?: unknown } | null)?.status === 413) return 'too_large';
		throw cause;
	}
	if (tooLarge) return 'too_large';
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const part of parts) {
		bytes.set(part, offset);
		offset += part.byteLength;
	}
	return bytes;
}
