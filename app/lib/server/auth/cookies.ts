import type { Cookies } from '@sveltejs/kit';
import { sessionCookieName } from './session';

/** httpOnly so scripts cannot read it; SameSite=Lax so cross-site posts carry no session. */
export function setSessionCookie(cookies: Cookies, token: string, expiresAt: Date, secure: boolean): void {
	cookies.set(sessionCookieName, token, { httpOnly: true, sameSite: 'lax', path: '/', secure, expires: expiresAt });
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.set(sessionCookieName, '', { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: 0 });
}

/** Parses the session token out of a raw Cookie header (websocket upgrades have no SvelteKit cookies). */
export function sessionTokenFromCookieHeader(header: string | undefined | null): string | undefined {
	if (!header) return undefined;
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0 && part.slice(0, eq).trim() === sessionCookieName) return decodeURIComponent(part.slice(eq + 1).trim());
	}
	return undefined;
}

/** The pending second step of a sign-in: 10 minutes, sent only to /sign-in/…. */
export const pendingSignInCookie = { name: 'clinicsync_mfa_pending', path: '/sign-in' } as const;

export function setPendingSignInCookie(cookies: Cookies, value: string, expiresAt: Date, secure: boolean): void {
	cookies.set(pendingSignInCookie.name, value, { httpOnly: true, sameSite: 'lax', path: pendingSignInCookie.path, secure, expires: expiresAt });
}

export function deletePendingSignInCookie(cookies: Cookies, secure: boolean): void {
	cookies.set(pendingSignInCookie.name, '', { httpOnly: true, sameSite: 'lax', path: pendingSignInCookie.path, secure, maxAge: 0 });
}
