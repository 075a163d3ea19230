import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableName, sql } from 'drizzle-orm';
import { isTable } from 'drizzle-orm';
import * as schema from '../db/schema/index';
import { testDatabaseKinds } from '../db/testing';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { hashPassword } from '../app/lib/server/auth/password';
import { listRoutes, routePath } from './route-inventory';
import { signInCookie, startTestServer, type TestServer } from './testing';

/**
 * Malformed input to every endpoint and every form action, signed in and signed out: no
 * answer is a 5xx, and no table but the audit trail and sessions changes.
 */
const malformedBodies: { name: string; contentType: string; body: BodyInit }[] = [
	{ name: 'empty form', contentType: 'application/x-www-form-urlencoded', body: '' },
	{ name: 'junk form fields', contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=%ZZ&&=&email=@@&password=' },
	{ name: 'huge field', contentType: 'application/x-www-form-urlencoded', body: 'clinicName=' + 'x'.repeat(200_000) },
	{ name: 'truncated multipart', contentType: 'multipart/form-data; boundary=zzz', body: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.' },
	{ name: 'invalid JSON', contentType: 'application/json', body: '{"q": ' },
	{ name: 'JSON of the wrong shape', contentType: 'application/json', body: '[1,2,{"page":-1}]' },
	{ name: 'binary', contentType: 'application/octet-stream', body: new Uint8Array([0, 255, 1, 254, 0, 0, 7]) },
	{ name: 'markup', contentType: 'application/x-www-form-urlencoded', body: 'q=<script>alert(1)</script>&title=<img src=x onerror=alert(1)>' }
];

const paramValues = ['not-a-uuid', '00000000-0000-4000-8000-000000000000', '../../etc/passwd', "1' or '1'='1"];

async function tableCounts(t: TestServer): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	for (const table of Object.values(schema)) {
		if (!isTable(table)) continue;
		const name = getTableName(table);
		if (name === 'audit_events' || name === 'sessions') continue;
		const [row] = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(table);
		counts[name] = Number(row!.n);
	}
	return counts;
}

describe.each(testDatabaseKinds)('malformed input never causes a 5xx or a change (%s)', (kind) => {
	let t: TestServer;
	const cookies: Record<string, string | undefined> = { anonymous: undefined };

	beforeAll(async () => {
		t = await startTestServer(kind);
		await loadDemoClinic(t.database.db, { hashPassword, patientCount: 12 });
		// As the setup page's demo button does: the demo clinic asks for no second factor.
		await relaxDemoSignInPolicy(t.database.db);
		cookies.physician = await signInCookie(t.url, 'dr.chen@riverside.example', 'demo-password-2026');
		cookies.patient = await signInCookie(t.url, 'maria.garcia@example.com', 'demo-password-2026');
	});
	afterAll(async () => {
		await t?.stop();
	});

	it('covers every route', () => {
		const routes = listRoutes();
		expect(routes.length).toBeGreaterThan(5);
		expect(routes.map((r) => r.id)).toContain('/healthz');
	});

	it('answers every endpoint and form action with a 4xx (or a normal page), never a 5xx', async () => {
		const before = await tableCounts(t);
		const failures: string[] = [];
		for (const route of listRoutes()) {
			for (const value of route.params.length > 0 ? paramValues : ['']) {
				const pathname = routePath(route.id, () => value);
				const targets: { method: string; url: string }[] = [];
				for (const method of route.methods) {
					targets.push({ method, url: pathname });
					if (method === 'GET') targets.push({ method, url: `${pathname}?page=-3&q=${encodeURIComponent('%_\\\'"<>')}&patient=nope` });
				}
				for (const action of route.actions) targets.push({ method: 'POST', url: action === 'default' ? pathname : `${pathname}?/${action}` });
				for (const [who, cookie] of Object.entries(cookies)) {
					for (const target of targets) {
						const bodies = target.method === 'GET' ? [undefined] : malformedBodies;
						for (const body of bodies) {
							const label = `${target.method} ${target.url} as ${who}${body ? ` with ${body.name}` : ''}`;
							const response = await fetch(`${t.url}${target.url}`, {
								method: target.method,
								redirect: 'manual',
								headers: {
									// One connection per request: a truncated multipart body after an unread
									// body on a kept-alive connection stalls undici's client for seconds.
									connection: 'close',
									origin: t.url,
									...(cookie ? { cookie } : {}),
									...(body ? { 'content-type': body.contentType } : {})
								},
								body: body?.body
							}).catch((error: Error) => {
								failures.push(`connection failed (${(error.cause as Error)?.message ?? error.message}): ${label}`);
								return null;
							});
							if (!response) continue;
							await response.arrayBuffer();
							if (response.status >= 500) failures.push(`${response.status} ${label}`);
						}
					}
				}
			}
		}
		expect(failures).toEqual([]);
		// The demo clinic stays exactly as loaded: nothing was created, changed into being or removed.
		expect(await tableCounts(t)).toEqual(before);
	}, 300_000); // Every route × every bad value, in turn: minutes on a busy 2-core machine.
});
