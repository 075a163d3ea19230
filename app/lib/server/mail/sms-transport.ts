import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import type { OutboxSms } from '../../../../db/schema/index';

/** What the worker hands to an SMS transport: the stored message plus the key that makes a resend recognisable. */
export interface OutgoingSms extends OutboxSms {
	/** Derived from the outbox idempotency key: the same message always carries the same token. */
	idempotencyToken: string;
}

export interface SmsTransport {
	send(sms: OutgoingSms): Promise<void>;
	close(): void;
}

export interface SmsGatewayConfig {
	/** e.g. https://api.twilio.com, or any gateway that speaks the same Messages API. */
	gatewayUrl: string;
	accountSid: string;
	authToken: string;
	from: string;
}

/** A refusal by the gateway: the HTTP status only (the body may quote the number or the text). */
export class SmsGatewayError extends Error {
	readonly code = 'ESMSGATEWAY';
	constructor(readonly httpStatus: number) {
		super(`SMS gateway answered HTTP ${httpStatus}`);
		this.name = 'SmsGatewayError';
	}
}

/** The header names the token is sent under: Twilio's own, and the IETF draft's generic one. */
export const smsIdempotencyHeaders = ['I-Twilio-Idempotency-Token', 'Idempotency-Key'] as const;

/**
 * SMS through an HTTP gateway with Twilio-compatible requests: POST
 * {gateway}/2010-04-01/Accounts/{SID}/Messages.json, form-encoded To/From/Body, basic auth
 * (SID:token). The idempotency token goes along in both headers above, so a gateway that
 * deduplicates (Twilio does, for a day) drops a resend after a crash between its 2xx and our
 * "sent" update. Any 2xx counts as accepted; anything else (or no answer in 15 s) is a failed
 * attempt the outbox retries.
 */
export function createSmsTransport(config: SmsGatewayConfig, options: { timeoutMs?: number } = {}): SmsTransport {
	const endpoint = `${config.gatewayUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
	const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
	const timeoutMs = options.timeoutMs ?? 15_000;
	return {
		async send(sms) {
			const headers: Record<string, string> = {
				authorization,
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'application/json'
			};
			for (const name of smsIdempotencyHeaders) headers[name] = sms.idempotencyToken;
			const response = await fetch(endpoint, {
				method: 'POST',
				headers,
				body: new URLSearchParams({ To: sms.to, From: config.from, Body: sms.text }).toString(),
				signal: AbortSignal.timeout(timeoutMs)
			});
			// Drain the body so the connection can be reused; its content is not needed.
			await response.arrayBuffer().catch(() => undefined);
			if (!response.ok) throw new SmsGatewayError(response.status);
		},
		close() {}
	};
}

/** A stable token for an idempotency key (hashed: a header value may not hold every character a key may). */
export function smsIdempotencyTokenFor(idempotencyKey: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(idempotencyKey))).slice(0, 40);
}
