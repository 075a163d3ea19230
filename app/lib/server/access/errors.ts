/** Thrown by the access module; adapters turn it into 403 (routes) or a Forbidden close (sockets). */
export class AccessDenied extends Error {
	readonly status = 403;
	constructor(message = 'You do not have access to this.') {
		super(message);
		this.name = 'AccessDenied';
	}
}

/** Thrown when a resource does not exist; adapters turn it into 404. */
export class NotFound extends Error {
	readonly status = 404;
	constructor(message = 'Not found.') {
		super(message);
		this.name = 'NotFound';
	}
}
