import { Readable } from 'node:stream';
import { openAttachment } from '$lib/server/messaging/attachments';
import { chatErrorResponse } from '$lib/server/messaging/http-errors';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** GET /api/chat/attachments/<id> — the attachment's ciphertext, streamed; the browser decrypts it. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const actor = locals.actor;
	if (!actor) return Response.json({ message: 'Sign in to download attachments.' }, { status: 401 });
	const { database, config } = getRuntime();
	try {
		const file = await openAttachment(database.db, actor, config.dataDir, params.attachmentId);
		return new Response(Readable.toWeb(file.stream) as ReadableStream<Uint8Array>, {
			headers: {
				'content-type': 'application/octet-stream',
				'content-length': String(file.size),
				'content-disposition': 'attachment',
				'cache-control': 'private, no-store'
			}
		});
	} catch (cause) {
		return chatErrorResponse(cause);
	}
};
