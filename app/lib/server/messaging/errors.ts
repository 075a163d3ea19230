import type { ChatAck, ChatErrorCode } from '../../chat/protocol';
import { AccessDenied, NotFound } from '../access/errors';

/**
 * A refusal of a chat request: a sentence for the person and a code for the program (the browser
 * rotates its session on 'stale_session', re-fetches devices on 'no_keys', …). Socket handlers turn
 * it into `{ ok: false, error, code }`; routes into 4xx. Thrown before anything is stored.
 */
export class ChatRefusal extends Error {
	readonly code: ChatErrorCode;
	constructor(code: ChatErrorCode, message: string) {
		super(message);
		this.name = 'ChatRefusal';
		this.code = code;
	}

	/** HTTP status for routes. */
	get status(): number {
		switch (this.code) {
			case 'not_found':
				return 404;
			case 'not_member':
			case 'read_only':
			case 'forbidden':
				return 403;
			case 'too_large':
				return 413;
			case 'rate_limited':
				return 429;
			case 'replay':
			case 'stale_session':
				return 409;
			default:
				return 400;
		}
	}
}

/**
 * Turns what a chat operation threw into an acknowledgement. Refusals and access errors keep
 * their sentence; anything else is unexpected and returns undefined so the caller logs it and
 * answers with a generic sentence (never the internal message).
 */
export function refusalAck(error: unknown): Extract<ChatAck, { ok: false }> | undefined {
	if (error instanceof ChatRefusal) return { ok: false, error: error.message, code: error.code };
	if (error instanceof AccessDenied) return { ok: false, error: error.message, code: 'forbidden' };
	if (error instanceof NotFound) return { ok: false, error: error.message, code: 'not_found' };
	return undefined;
}
