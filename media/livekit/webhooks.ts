/**
 * LiveKit webhooks, verified before anything is believed: the Authorization header is a JWT
 * signed with our API secret whose `sha256` claim is the body's hash (WebhookReceiver checks
 * both), the event is no older than five minutes (nor from the future), and an event id is
 * accepted once (a captured request replayed within the token's life changes nothing).
 */
import { WebhookReceiver, type WebhookEventNames } from 'livekit-server-sdk';
import type { LivekitConfig } from './livekit-config';

export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;
/** Bodies are a few KiB; anything much larger is not LiveKit. */
export const WEBHOOK_MAX_BODY_BYTES = 64 * 1024;

export interface VerifiedWebhook {
	id: string;
	event: WebhookEventNames;
	createdAt: Date;
	roomName: string | null;
	/** For participant_* events: our consult_participants.id. */
	participantIdentity: string | null;
	egressId: string | null;
}

export type WebhookRejection = 'unsigned' | 'forged' | 'body_mismatch' | 'stale' | 'replayed' | 'malformed';

export type WebhookVerdict = { ok: true; webhook: VerifiedWebhook } | { ok: false; reason: WebhookRejection; error: string };

const sentences: Record<WebhookRejection, string> = {
	unsigned: 'The webhook has no Authorization header.',
	forged: 'The webhook signature is not valid.',
	body_mismatch: 'The webhook body does not match its signature.',
	stale: 'The webhook is too old (or dated in the future).',
	replayed: 'This webhook was already received.',
	malformed: 'The webhook body is not a LiveKit event.'
};

const reject = (reason: WebhookRejection): WebhookVerdict => ({ ok: false, reason, error: sentences[reason] });

export class WebhookVerifier {
	readonly #receiver: WebhookReceiver;
	readonly #now: () => number;
	/** Event id → when it may be forgotten (once it would be stale anyway). */
	readonly #seen = new Map<string, number>();

	constructor(livekit: LivekitConfig, options: { now?: () => number } = {}) {
		this.#receiver = new WebhookReceiver(livekit.apiKey, livekit.apiSecret);
		this.#now = options.now ?? Date.now;
	}

	async verify(body: string, authorization: string | null | undefined): Promise<WebhookVerdict> {
		const token = authorization?.replace(/^Bearer\s+/i, '').trim();
		if (!token) return reject('unsigned');
		if (body.length > WEBHOOK_MAX_BODY_BYTES) return reject('malformed');
		let event;
		try {
			event = await this.#receiver.receive(body, token);
		} catch (error) {
			return reject(rejectionOf(error));
		}
		if (!event.id || !event.event) return reject('malformed');
		const now = this.#now();
		const createdAtMs = Number(event.createdAt) * 1000;
		if (!createdAtMs || Math.abs(now - createdAtMs) > WEBHOOK_MAX_AGE_MS) return reject('stale');
		this.#forgetExpired(now);
		if (this.#seen.has(event.id)) return reject('replayed');
		this.#seen.set(event.id, createdAtMs + WEBHOOK_MAX_AGE_MS);
		return {
			ok: true,
			webhook: {
				id: event.id,
				event: event.event,
				createdAt: new Date(createdAtMs),
				roomName: event.room?.name || event.egressInfo?.roomName || null,
				participantIdentity: event.participant?.identity || null,
				egressId: event.egressInfo?.egressId || null
			}
		};
	}

	#forgetExpired(now: number): void {
		for (const [id, until] of this.#seen) if (until < now) this.#seen.delete(id);
	}
}

/**
 * WebhookReceiver checks in this order: the JWT (jose: signature, issuer = our API key, expiry),
 * the body's hash, then decodes the body. Its errors say which step failed.
 */
function rejectionOf(error: unknown): WebhookRejection {
	const code = (error as { code?: unknown } | null)?.code;
	if (code === 'ERR_JWT_EXPIRED') return 'stale';
	if (typeof code === 'string' && code.startsWith('ERR_J')) return 'forged';
	const message = error instanceof Error ? error.message : '';
	if (/sha256 checksum/i.test(message)) return 'body_mismatch';
	if (/invalid token/i.test(message)) return 'forged';
	// Past the signature and the hash: a signed body that is not a LiveKit event.
	return 'malformed';
}

/** Joins and leaves of a participant's media, as the visit's timeline records them. */
export function presenceOf(webhook: VerifiedWebhook): { roomName: string; participantIdentity: string; event: 'joined' | 'left'; at: Date } | null {
	if (!webhook.roomName || !webhook.participantIdentity) return null;
	const event = webhook.event === 'participant_joined' ? 'joined' : webhook.event === 'participant_left' || webhook.event === 'participant_connection_aborted' ? 'left' : null;
	return event ? { roomName: webhook.roomName, participantIdentity: webhook.participantIdentity, event, at: webhook.createdAt } : null;
}
