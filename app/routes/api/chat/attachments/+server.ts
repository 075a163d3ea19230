import { json } from '@sveltejs/kit';
import { attachmentCiphertextLimit, attachmentOptionsFrom, uploadAttachment } from '$lib/server/messaging/attachments';
import { discardBody } from '$lib/server/messaging/attachment-store';
import { ChatRefusal } from '$lib/server/messaging/errors';
import { chatErrorResponse, isSameSiteRequest } from '$lib/server/messaging/http-errors';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** Uploads per person: generous for a busy clinician, a ceiling for a runaway script filling the disk. */
const uploadsByUser = new RateLimiter(120, 10 * 60_000);

/**
 * POST /api/chat/attachments?conversationId=<id> — the body is the attachment's ciphertext
 * (application/octet-stream), streamed to disk. 201 {attachmentId}; 413 when too large.
 */
export const POST: RequestHandler = async ({ locals, request, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to send attachments.' }, { status: 401 });
	const options = attachmentOptionsFrom(getRuntime().config);
	/**
	 * A refusal before the body was read drops the body first (up to twice the limit): a response
	 * sent while the browser is still uploading leaves the connection stuck, and the browser sees a
	 * reset instead of the message.
	 */
	const refuse = async (response: Response) => {
		if (request.body && !request.bodyUsed) await discardBody(request.body, attachmentCiphertextLimit(options.maxPlaintextBytes) * 2).catch(() => {});
		return response;
	};
	// SvelteKit's CSRF check covers form encodings only; this endpoint takes raw bytes.
	if (!isSameSiteRequest(request, url)) return refuse(json({ message: 'Cross-site uploads are refused.' }, { status: 403 }));
	const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
	if (type !== 'application/octet-stream') {
		return refuse(json({ message: 'Send the encrypted attachment as application/octet-stream.' }, { status: 415 }));
	}
	const wait = uploadsByUser.hit(actor.userId);
	if (wait > 0) return refuse(json({ message: `Too many uploads. Try again in ${wait} seconds.`, code: 'rate_limited' }, { status: 429 }));
	const lengthHeader = request.headers.get('content-length');
	const declaredLength = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
	try {
		const { attachmentId } = await uploadAttachment(getRuntime().database.db, actor, options, {
			conversationId: url.searchParams.get('conversationId'),
			body: request.body,
			declaredLength
		});
		return json({ attachmentId }, { status: 201 });
	} catch (cause) {
		// adapter-node's BODY_SIZE_LIMIT errors the body stream with a 413 of its own.
		if (!(cause instanceof ChatRefusal) && (cause as { status?: unknown } | null)?.status === 413) {
			return json({ message: 'The attachment is too large.', code: 'too_large' }, { status: 413 });
		}
		return refuse(chatErrorResponse(cause));
	}
};
