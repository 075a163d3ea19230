import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { presenceOf, WebhookVerifier, WEBHOOK_MAX_AGE_MS } from './webhooks';

const livekit = { url: 'wss://media.clinic.test', apiKey: 'APIclinic', apiSecret: 'a-secret-of-at-least-thirty-two-characters' };
const now = Date.parse('2026-11-24T09:00:00Z');
const participantId = '6f1c1a52-8d3e-4c1e-9a7b-2f0e5d4c3b2a';

function eventBody(overrides: { id?: string; event?: string; createdAtMs?: number } = {}): string {
	return JSON.stringify({
		event: overrides.event ?? 'participant_joined',
		id: overrides.id ?? 'EV_' + Math.random().toString(36).slice(2),
		createdAt: String(Math.floor((overrides.createdAtMs ?? now) / 1000)),
		room: { sid: 'RM_1', name: 'consult-room-1' },
		participant: { sid: 'PA_1', identity: participantId }
	});
}

/** What the LiveKit server sends: a JWT from the API key and secret whose sha256 claim is the body's hash. */
async function sign(body: string, options: { secret?: string; apiKey?: string; ttl?: number } = {}): Promise<string> {
	const token = new AccessToken(options.apiKey ?? livekit.apiKey, options.secret ?? livekit.apiSecret, { ttl: options.ttl ?? 300 });
	token.sha256 = createHash('sha256').update(body).digest('base64');
	return token.toJwt();
}

const verifier = () => new WebhookVerifier(livekit, { now: () => now });

describe('LiveKit webhooks', () => {
	it('accepts a signed, fresh event and reads the room and the participant identity', async () => {
		const body = eventBody({ id: 'EV_join' });
		const verdict = await verifier().verify(body, await sign(body));
		expect(verdict).toMatchObject({ ok: true, webhook: { id: 'EV_join', event: 'participant_joined', roomName: 'consult-room-1', participantIdentity: participantId } });
		if (!verdict.ok) return;
		expect(verdict.webhook.createdAt.getTime()).toBe(now);
		expect(presenceOf(verdict.webhook)).toEqual({ roomName: 'consult-room-1', participantIdentity: participantId, event: 'joined', at: new Date(now) });
	});

	it('maps a leave (and an aborted connection) to left, and other events to nothing', async () => {
		for (const [event, expected] of [['participant_left', 'left'], ['participant_connection_aborted', 'left'], ['track_published', null]] as const) {
			const body = eventBody({ event });
			const verdict = await verifier().verify(body, await sign(body));
			expect(verdict.ok).toBe(true);
			if (verdict.ok) expect(presenceOf(verdict.webhook)?.event ?? null).toBe(expected);
		}
	});

	it('rejects a forged signature, another API key, and no signature at all', async () => {
		const body = eventBody();
		expect(await verifier().verify(body, await sign(body, { secret: 'not-our-secret-but-just-as-long-as-ours' }))).toMatchObject({ ok: false, reason: 'forged' });
		expect(await verifier().verify(body, await sign(body, { apiKey: 'APIsomeoneelse' }))).toMatchObject({ ok: false, reason: 'forged' });
		expect(await verifier().verify(body, 'not.a.jwt')).toMatchObject({ ok: false, reason: 'forged' });
		expect(await verifier().verify(body, null)).toMatchObject({ ok: false, reason: 'unsigned', error: expect.stringMatching(/Authorization/) });
	});

	it('rejects a body that is not the one signed', async () => {
		const signed = eventBody({ event: 'participant_joined' });
		const tampered = signed.replace('participant_joined', 'participant_left');
		expect(await verifier().verify(tampered, await sign(signed))).toMatchObject({ ok: false, reason: 'body_mismatch' });
	});

	it('rejects a stale event (older than five minutes), one from the future, and an expired token', async () => {
		const old = eventBody({ createdAtMs: now - WEBHOOK_MAX_AGE_MS - 1000 });
		expect(await verifier().verify(old, await sign(old))).toMatchObject({ ok: false, reason: 'stale' });
		const future = eventBody({ createdAtMs: now + WEBHOOK_MAX_AGE_MS + 1000 });
		expect(await verifier().verify(future, await sign(future))).toMatchObject({ ok: false, reason: 'stale' });
		const body = eventBody();
		// Clock tolerance of the SDK is generous; a token that expired long ago is refused.
		const expired = await sign(body, { ttl: -3600 });
		expect(await verifier().verify(body, expired)).toMatchObject({ ok: false, reason: 'stale' });
		// Just inside the window: accepted.
		const recent = eventBody({ createdAtMs: now - WEBHOOK_MAX_AGE_MS + 1000 });
		expect((await verifier().verify(recent, await sign(recent))).ok).toBe(true);
	});

	it('accepts an event once: a replayed request is refused', async () => {
		const v = verifier();
		const body = eventBody({ id: 'EV_once' });
		const auth = await sign(body);
		expect((await v.verify(body, auth)).ok).toBe(true);
		expect(await v.verify(body, auth)).toMatchObject({ ok: false, reason: 'replayed' });
	});

	it('rejects a signed body that is not a LiveKit event', async () => {
		for (const body of ['not json', JSON.stringify({ hello: 'world' })]) {
			expect(await verifier().verify(body, await sign(body))).toMatchObject({ ok: false, reason: 'malformed' });
		}
	});
});
