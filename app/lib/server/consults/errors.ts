/**
 * A consult action refused for a reason the person can act on (the room is full, they are not
 * admitted yet, recording needs everyone's consent…). Routes answer it with 4xx and the message;
 * socket handlers with `{ ok: false, error: message }`. Access refusals stay AccessDenied/NotFound.
 */
export type ConsultRefusalCode =
	| 'invalid'
	| 'not_admitted'
	| 'room_full'
	| 'waiting_room_full'
	| 'ended'
	| 'not_host'
	| 'consent_missing'
	| 'recording_disabled'
	| 'already_recording'
	| 'not_recording'
	| 'not_telehealth'
	| 'not_shared';

export class ConsultRefusal extends Error {
	readonly code: ConsultRefusalCode;
	/** HTTP status a route answers with: 409 for a state conflict, 400 for bad input. */
	readonly status: 400 | 409;

	constructor(code: ConsultRefusalCode, message: string) {
		super(message);
		this.name = 'ConsultRefusal';
		this.code = code;
		this.status = code === 'invalid' ? 400 : 409;
	}
}
