/** Headers every response carries; the Content-Security-Policy itself is SvelteKit's (svelte.config.js). */
export function withSecurityHeaders(response: Response): Response {
	const headers = {
		'x-content-type-options': 'nosniff',
		// same-origin, not no-referrer: browsers send "Origin: null" on form posts under no-referrer,
		// which fails SvelteKit's origin check for every form without JavaScript.
		'referrer-policy': 'same-origin',
		'x-frame-options': 'DENY',
		'cross-origin-opener-policy': 'same-origin',
		'permissions-policy': 'camera=(self), microphone=(self), geolocation=(), payment=()'
	};
	for (const [name, value] of Object.entries(headers)) {
		try {
			response.headers.set(name, value);
		} catch {
			// Some responses (redirects from fetch) have immutable headers; they carry no content.
		}
	}
	return response;
}
