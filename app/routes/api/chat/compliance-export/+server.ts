import { json } from '@sveltejs/kit';
import { exportConversation } from '$lib/server/messaging/compliance';
import { chatErrorResponse } from '$lib/server/messaging/http-errors';
import { getRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** GET /api/chat/compliance-export?conversationId= — ciphertext and sealed keys for a legal review (administrators). */
export const GET: RequestHandler = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) return json({ message: 'Sign in to export a conversation.' }, { status: 401 });
	try {
		const exported = await exportConversation(getRuntime().database.db, actor, url.searchParams.get('conversationId') ?? '');
		return json(exported, {
			headers: {
				'cache-control': 'private, no-store',
				'content-disposition': `attachment; filename="conversation-${exported.conversationId}.json"`
			}
		});
	} catch (cause) {
		return chatErrorResponse(cause);
	}
};
