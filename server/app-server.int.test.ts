import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { testDatabaseKinds } from '../db/testing';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { startTestServer, signInCookie, type TestServer } from './testing';

const password = 'demo-password-2026';

describe.each(testDatabaseKinds)('one server, one port (%s)', (kind) => {
	let t: TestServer;
	let cookie: string;

	beforeAll(async () => {
		t = await startTestServer(kind);
		await loadDemoClinic(t.database.db, { hashPassword: (await import('../app/lib/server/auth/password')).hashPassword, patientCount: 12 });
		// As the setup page's demo button does: the demo clinic asks for no second factor.
		await relaxDemoSignInPolicy(t.database.db);
		cookie = await signInCookie(t.url, 'dr.chen@riverside.example', password);
	});
	afterAll(async () => {
		await t?.stop();
	});

	it('answers /healthz with the database kind', async () => {
		const response = await fetch(`${t.url}/healthz`);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ status: 'ok', db: kind });
	});

	it('sends security headers and a content security policy on pages', async () => {
		const response = await fetch(`${t.url}/sign-in`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
	});

	it('sets the session cookie httpOnly and SameSite=Lax, with a new token at every sign-in (no fixation)', async () => {
		const first = await signInCookie(t.url, 'nurse.patel@riverside.example', password);
		const response = await fetch(`${t.url}/sign-in`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: t.url, 'content-type': 'application/x-www-form-urlencoded', cookie: first },
			body: new URLSearchParams({ email: 'nurse.patel@riverside.example', password })
		});
		const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('clinicsync_session='))!;
		expect(setCookie).toMatch(/HttpOnly/i);
		expect(setCookie).toMatch(/SameSite=Lax/i);
		const second = setCookie.split(';')[0]!;
		expect(second).not.toBe(first);
		// The session that came with the request no longer opens anything.
		const withOld = await fetch(`${t.url}/patients`, { redirect: 'manual', headers: { cookie: first } });
		expect(withOld.headers.get('location')).toBe('/sign-in');
		const withNew = await fetch(`${t.url}/patients`, { redirect: 'manual', headers: { cookie: second } });
		expect(withNew.status).toBe(200);
	});

	it('refuses a cross-origin form post', async () => {
		const response = await fetch(`${t.url}/sign-in`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ email: 'dr.chen@riverside.example', password })
		});
		expect(response.status).toBe(403);
	});

	it('accepts socket.io only with a session', async () => {
		const anonymous = connectSocket(t.url, { transports: ['websocket'], reconnection: false });
		const refusal = await new Promise<string>((resolve) => anonymous.on('connect_error', (e) => resolve(e.message)));
		expect(refusal).toBe('Sign in first.');
		anonymous.close();

		const socket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
		await new Promise<void>((resolve, reject) => {
			socket.on('connect', () => resolve());
			socket.on('connect_error', reject);
		});
		const reply = await socket.emitWithAck('presence:ping');
		expect(reply.userId).toMatch(/^[0-9a-f-]{36}$/);
		socket.close();
	});

	it('refuses a cross-origin socket.io handshake', async () => {
		const socket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie, origin: 'https://evil.example' } });
		const refusal = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
		expect(refusal).toBeInstanceOf(Error);
		expect(socket.connected).toBe(false);
		socket.close();
	});

	it('refuses a /collab upgrade without a session', async () => {
		const ws = new WebSocket(`${t.url.replace('http', 'ws')}/collab`);
		const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
		expect(status).toBe(401);
	});

	it('authenticates /collab with the session and answers an unknown document with a reason', async () => {
		const { HocuspocusProvider, HocuspocusProviderWebsocket } = await import('@hocuspocus/provider');
		// The provider opens `new WebSocket(url)`; a browser would send the cookie itself.
		class CookieWebSocket extends WebSocket {
			constructor(address: string) {
				super(address, { headers: { cookie } });
			}
		}
		const websocket = new HocuspocusProviderWebsocket({ url: `${t.url.replace('http', 'ws')}/collab`, WebSocketPolyfill: CookieWebSocket });
		const reason = await new Promise<string>((resolve) => {
			// A provider on a shared socket must be attached; this is the one-socket-per-tab set-up.
			new HocuspocusProvider({ websocketProvider: websocket, name: 'no-such-kind:1', onAuthenticationFailed: ({ reason }) => resolve(reason) }).attach();
		});
		expect(reason).toBe('Unknown document "no-such-kind:1".');
		websocket.destroy();
	});

	it('refuses a cross-origin /collab upgrade', async () => {
		const ws = new WebSocket(`${t.url.replace('http', 'ws')}/collab`, { headers: { origin: 'https://evil.example', cookie } });
		const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
		expect(status).toBe(403);
	});

	it('answers an unknown websocket path with 404', async () => {
		const ws = new WebSocket(`${t.url.replace('http', 'ws')}/nowhere`);
		const outcome = await new Promise<string>((resolve) => {
			ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
			ws.on('error', (e) => resolve(e.message));
		});
		expect(outcome).toMatch(/404/);
	});
});
