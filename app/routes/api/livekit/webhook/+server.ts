import { json } from '@sveltejs/kit';
import { recordMediaPresence } from '$lib/server/consults/presence';
import { getRuntime } from '$lib/server/platform/runtime';
import { WEBHOOK_MAX_BODY_BYTES, WebhookVerifier, presenceOf } from '../../../../../media/livekit/webhooks';
import type { LivekitConfig } from '../../../../../media/livekit/livekit-config';
import type { RequestHandler } from './$types';

/** One verifier per process (it remembers event ids to refuse replays), for the configured key. */
let verifier: { livekit: LivekitConfig; verifier: WebhookVerifier } | null = null;

function verifierFor(livekit: LivekitConfig): WebhookVerifier {
	if (verifier?.livekit !== livekit) verifier = { livekit, verifier: new WebhookVerifier(livekit) };
	return verifier.verifier;
}

/**
 * POST /api/livekit/webhook — LiveKit tells us a participant's media joined or left a room.
 * No session: the signature (our API secret) is the authentication. Verified events of consult
 * rooms go into the visit's timeline; everything else is acknowledged and ignored.
 */
export const POST: RequestHandler = async ({ request }) => {
	const runtime = getRuntime();
	const livekit = runtime.config.livekit;
	if (!livekit) return json({ ok: false, error: 'LiveKit is not configured on this server.' }, { status: 404 });
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > WEBHOOK_MAX_BODY_BYTES) return json({ ok: false, error: 'The webhook body is too large.' }, { status: 413 });
	const body = await request.text();
	const verdict = await verifierFor(livekit).verify(body, request.headers.get('authorization'));
	if (!verdict.ok) {
		runtime.logger.warn({ reason: verdict.reason }, 'livekit webhook rejected');
		return json({ ok: false, error: verdict.error }, { status: verdict.reason === 'malformed' ? 400 : 401 });
	}
	const presence = presenceOf(verdict.webhook);
	if (presence) {
		const result = await recordMediaPresence(runtime.database.db, { ...presence, source: 'livekit' });
		// An unknown room or participant is not ours (another app on the same LiveKit): acknowledged.
		return json({ ok: true, recorded: result.recorded });
	}
	return json({ ok: true, recorded: false });
};
