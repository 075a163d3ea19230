import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { testDatabaseKinds } from '../db/testing';
import type { DatabaseKind } from '../db/client';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { chatAttachments, chatMessages, conversations, encounters, patients, proxyGrants, recordShares, treatmentPlans, users, type User } from '../db/schema/index';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { uploadDocument } from '../app/lib/server/documents/documents';
import { shareDocumentWithPatient } from '../app/lib/server/consults/shared-documents';
import { startUnscheduledConsult } from '../app/lib/server/consults/consults';
import type { Actor } from '../app/lib/server/access/actor';
import {
	collabDocumentExpectations,
	homesOf,
	principals,
	routeExpectations,
	routeParams,
	socketEventExpectations,
	type Expectation,
	type Principal,
	type PrincipalContext
} from '../app/lib/server/access/access-matrix';
import { clientEventNames } from '../app/lib/realtime/events';
import { collabDocumentKinds, parseDocumentName } from '../app/lib/collab/document-names';
import { createComplianceKeyPair, createDeviceKeys, OutboundSession, ready } from '../app/lib/chat/crypto/index';
import { createConversation } from '../app/lib/server/messaging/conversations';
import { writeAttachmentFile } from '../app/lib/server/messaging/attachment-store';
import { createTestDevice, type TestDevice } from '../app/lib/server/messaging/testing';
import { listRoutes, routePath, type RouteEntry } from './route-inventory';
import { signInCookie, startTestServer, type TestServer } from './testing';

/**
 * The declared access matrix (app/lib/server/access/access-matrix.ts), run against the real
 * server: every principal × every route, socket.io event and collaborative document kind gets
 * exactly the declared outcome — zero unexpected allows, and no unexpected refusals either.
 */

type Outcome = 'allow' | 'deny';

interface Target {
	key: string;
	route: RouteEntry;
	method: string;
	action?: string;
}

function targetsOf(routes: RouteEntry[]): Target[] {
	const targets: Target[] = [];
	for (const route of routes) {
		if (route.kind === 'endpoint') {
			for (const method of route.methods) targets.push({ key: `${method} ${route.id}`, route, method });
		} else {
			targets.push({ key: `GET ${route.id}`, route, method: 'GET' });
			for (const action of route.actions) targets.push({ key: `POST ${route.id} ?/${action}`, route, method: 'POST', action });
		}
	}
	return targets;
}

describe('the declared access matrix covers everything the server offers', () => {
	it('declares every page load, form action and endpoint method, and nothing that does not exist', () => {
		const keys = targetsOf(listRoutes()).map((t) => t.key);
		const missing = keys.filter((key) => !(key in routeExpectations));
		const stale = Object.keys(routeExpectations).filter((key) => !keys.includes(key));
		expect(missing, 'routes without a line in app/lib/server/access/access-matrix.ts').toEqual([]);
		expect(stale, 'lines in access-matrix.ts for routes that no longer exist').toEqual([]);
	});

	it('knows a value for every route parameter', () => {
		const params = [...new Set(listRoutes().flatMap((r) => r.params))];
		expect(params.filter((p) => !(p in routeParams)), 'route parameters without a value in routeParams').toEqual([]);
	});

	it('declares every socket.io client event', () => {
		expect(Object.keys(socketEventExpectations).sort()).toEqual([...clientEventNames].sort());
	});

	it('declares every kind of collaborative document, and no other kind can be opened', () => {
		const kinds: readonly string[] = collabDocumentKinds;
		expect(Object.keys(collabDocumentExpectations).sort()).toEqual([...kinds].sort());
		// A kind parseDocumentName starts to accept without a line here would go unchecked.
		const probes = [...kinds, 'document', 'documents', 'treatment-plan', 'treatmentPlan', 'encounter', 'consult', 'whiteboard', 'conversation', 'message', 'form', 'vitals', 'test'];
		const opened = probes.filter((kind) => parseDocumentName(`${kind}:00000000-0000-4000-8000-000000000000`) !== null);
		expect(opened.filter((kind) => !(kind in collabDocumentExpectations)), 'openable document kinds without a line').toEqual([]);
	});
});

interface MatrixServer {
	t: TestServer;
	contexts: Map<Principal, PrincipalContext>;
	cookies: Map<Principal, string>;
}

const matrixPassword = 'matrix-password-2026';
const accountEmails: Record<Exclude<Principal, 'anonymous' | 'patientOther'>, string> = {
	admin: 'admin@riverside.example',
	physicianOnTeam: 'dr.chen@riverside.example',
	physicianOffTeam: 'dr.okafor@riverside.example',
	nurse: 'nurse.patel@riverside.example',
	frontDesk: 'frontdesk@riverside.example',
	billing: 'billing@riverside.example',
	patientOwn: 'maria.garcia@example.com',
	proxyRecords: 'sarah.johnson@example.com',
	proxyNoRecords: 'matrix.proxy@example.org',
	external: 'matrix.external@example.org'
};

/** A server per database with the demo clinic, the matrix's own accounts, documents and shares. */
async function startMatrixServer(kind: DatabaseKind): Promise<MatrixServer> {
	const t = await startTestServer(kind);
	const { db } = t.database;
	await loadDemoClinic(db, { hashPassword, patientCount: 12 });
	// As the setup page's demo button does: no second factor, so the form sign-in is enough.
	await relaxDemoSignInPolicy(db);

	const patientId = async (given: string, family: string) =>
		(await db.select({ id: patients.id }).from(patients).where(sql`${patients.givenName} = ${given} and ${patients.familyName} = ${family}`))[0]!.id;
	const userByEmail = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0]!;
	const actorOf = (user: User): Actor => ({
		userId: user.id,
		role: user.role,
		displayName: user.displayName,
		practitionerId: user.practitionerId,
		patientId: user.patientId,
		sessionId: 'matrix-setup',
		sourceAddress: null,
		requestId: null
	});
	const maria = await patientId('Maria', 'Garcia');
	const mia = await patientId('Mia', 'Johnson');
	const mariaUser = await userByEmail('maria.garcia@example.com');
	const sarahUser = await userByEmail('sarah.johnson@example.com');

	// One document on each target record, through the domain function.
	const { documentCipher, config } = t.server.runtime;
	const pdf = () => new File([new TextEncoder().encode('%PDF-1.4\n%%EOF\n')], 'report.pdf', { type: 'application/pdf' });
	// Shared with the patient too: the portal (and its annotations) shows only shared reports.
	const upload = async (email: string, patient: string) => {
		const uploader = actorOf(await userByEmail(email));
		const { id } = await uploadDocument(db, documentCipher, uploader, patient, { title: 'Matrix report', kind: 'other', file: pdf() }, config.maxUploadBytes);
		await shareDocumentWithPatient(db, uploader, patient, id);
		return id;
	};
	const mariaDocument = await upload('dr.chen@riverside.example', maria);
	const miaDocument = await upload('dr.okafor@riverside.example', mia);

	// Accounts the demo does not have: a proxy without the records scope, an outside person a
	// record is shared with, a recipient of revocable shares, and a staff account admins change.
	const passwordHash = await hashPassword(matrixPassword);
	const [proxy, external, recipient, target] = await db
		.insert(users)
		.values([
			{ email: 'matrix.proxy@example.org', displayName: 'Matrix Proxy', passwordHash, role: 'proxy' },
			{ email: 'matrix.external@example.org', displayName: 'Matrix External', passwordHash, role: 'external' },
			{ email: 'matrix.recipient@example.org', displayName: 'Matrix Recipient', passwordHash, role: 'external' },
			{ email: 'matrix.target@riverside.example', displayName: 'Matrix Target', passwordHash, role: 'front_desk' }
		])
		.returning();
	await db.insert(proxyGrants).values({ patientId: maria, proxyUserId: proxy!.id, relationship: 'caregiver', scopes: ['messages', 'appointments'] });
	const inAWeek = new Date(Date.now() + 7 * 86_400_000);
	const shares = await db
		.insert(recordShares)
		.values([
			{ patientId: maria, grantedByUserId: mariaUser.id, granteeUserId: external!.id, parts: ['demographics', 'documents'], expiresAt: inAWeek },
			{ patientId: maria, grantedByUserId: mariaUser.id, granteeUserId: recipient!.id, parts: ['demographics'], expiresAt: inAWeek },
			{ patientId: mia, grantedByUserId: sarahUser.id, granteeUserId: recipient!.id, parts: ['demographics'], expiresAt: inAWeek }
		])
		.returning({ id: recordShares.id });

	// A visit of each target patient, for the encounter's clinical note.
	const encounterOf = async (patient: string) => (await db.select({ id: encounters.id }).from(encounters).where(eq(encounters.patientId, patient)).limit(1))[0]!.id;
	const [mariaEncounter, miaEncounter] = [await encounterOf(maria), await encounterOf(mia)];
	// A treatment plan of each target patient (its live document, its portal page).
	const [mariaPlan, miaPlan] = await db
		.insert(treatmentPlans)
		.values([
			{ patientId: maria, title: 'Blood pressure control' },
			{ patientId: mia, title: 'Asthma action plan' }
		])
		.returning({ id: treatmentPlans.id });

	// Secure messaging: each target patient's thread with the care team, holding one message with
	// an encrypted attachment (from a former member: nobody here may delete it), and a signed chat
	// device of every account (patientOther is Maria, with Maria's device).
	await ready();
	const threadOf = async (creator: User, patient: string) => {
		const { conversation } = await createConversation(db, actorOf(creator), { kind: 'patient_care', patientId: patient });
		const [message] = await db
			.insert(chatMessages)
			.values({ conversationId: conversation.id, seq: 1, senderUserId: null, senderDeviceId: crypto.randomUUID(), sessionId: `matrix-seed-${patient}`, messageIndex: 0, ciphertext: 'AAAA', signature: 'AAAA', byteSize: 3 })
			.returning({ id: chatMessages.id });
		await db.update(conversations).set({ lastSeq: 1 }).where(eq(conversations.id, conversation.id));
		const attachmentId = crypto.randomUUID();
		const byteSize = await writeAttachmentFile(config.dataDir, attachmentId, (async function* () {
			yield new Uint8Array([9, 8, 7, 6]);
		})(), 1024);
		await db.insert(chatAttachments).values({ id: attachmentId, conversationId: conversation.id, uploadedBy: null, messageId: message!.id, byteSize });
		return { conversationId: conversation.id, messageId: message!.id, attachmentId };
	};
	// An open video consult of each target patient, started by a physician of the care team.
	const [mariaConsult, miaConsult] = [
		await startUnscheduledConsult(db, actorOf(await userByEmail('dr.chen@riverside.example')), maria),
		await startUnscheduledConsult(db, actorOf(await userByEmail('dr.okafor@riverside.example')), mia)
	];
	const mariaThread = await threadOf(mariaUser, maria);
	const miaThread = await threadOf(sarahUser, mia);
	const devices = new Map<string, TestDevice>();
	const deviceOf = async (email: string) => {
		const user = await userByEmail(email);
		if (!devices.has(user.id)) devices.set(user.id, await createTestDevice(db, user.id));
		return devices.get(user.id)!;
	};
	const compliancePublicKey = createComplianceKeyPair().publicKey;

	const contexts = new Map<Principal, PrincipalContext>();
	const on = (patient: 'maria' | 'mia') =>
		patient === 'maria'
			? { patientId: maria, documentId: mariaDocument, encounterId: mariaEncounter, planId: mariaPlan!.id, shareId: shares[1]!.id, consultId: mariaConsult.id, ...mariaThread }
			: { patientId: mia, documentId: miaDocument, encounterId: miaEncounter, planId: miaPlan!.id, shareId: shares[2]!.id, consultId: miaConsult.id, ...miaThread };
	for (const principal of principals) {
		const targetPatient = principal === 'patientOther' || principal === 'proxyRecords' ? on('mia') : on('maria');
		const email = principal === 'anonymous' ? null : principal === 'patientOther' ? accountEmails.patientOwn : accountEmails[principal];
		const device = email ? await deviceOf(email) : { deviceId: crypto.randomUUID(), keys: createDeviceKeys() };
		const session = OutboundSession.create(targetPatient.conversationId, device.deviceId);
		const spare = createDeviceKeys();
		contexts.set(principal, {
			principal,
			...targetPatient,
			userId: target!.id,
			unique: `${kind}-${principal}`,
			chat: {
				deviceId: device.deviceId,
				sessionId: session.sessionId,
				envelope: session.encrypt({ body: 'Access matrix', composedAt: 0 }, device.keys.signing.secretKey),
				registration: { deviceId: crypto.randomUUID(), signingKey: spare.signing.publicKey, boxKey: spare.box.publicKey, label: 'Access matrix' }
			},
			compliancePublicKey
		});
	}
	return { t, contexts, cookies: new Map() };
}

/**
 * Signs every account in through the real form. Sign-in allows 20 attempts a minute per client
 * address, counted for the whole test process, and each database's run needs ten sign-ins plus
 * the matrix's own posts to /sign-in. So each run after the first signs in with the clock moved
 * a minute past the previous run's window (Date only; timers stay real), then puts it back.
 */
async function signInAccounts(server: MatrixServer, run: number): Promise<void> {
	if (run > 0) {
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(Date.now() + run * 61_000);
	}
	try {
		for (const [principal, email] of Object.entries(accountEmails) as [Principal, string][]) {
			server.cookies.set(principal, await signInCookie(server.t.url, email, email.startsWith('matrix.') ? matrixPassword : 'demo-password-2026'));
		}
		server.cookies.set('patientOther', server.cookies.get('patientOwn')!);
	} finally {
		vi.useRealTimers();
	}
}

describe.each(testDatabaseKinds)('the access matrix on the real server (%s)', (kind) => {
	let t: TestServer;
	let contexts: Map<Principal, PrincipalContext>;
	let cookies: Map<Principal, string>;
	beforeAll(async () => {
		const server = await startMatrixServer(kind);
		({ t, contexts, cookies } = server);
		await signInAccounts(server, testDatabaseKinds.indexOf(kind));
	});
	afterAll(async () => {
		await t?.stop();
	});

	it('socket.io: every principal gets the declared answer to every client event', async () => {
		const mismatches: string[] = [];
		await Promise.all(
			principals.map(async (principal) => {
				const context = contexts.get(principal)!;
				const cookie = cookies.get(principal);
				const socket: Socket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: cookie ? { cookie } : {} });
				const connected = await new Promise<boolean>((resolve) => {
					socket.on('connect', () => resolve(true));
					socket.on('connect_error', () => resolve(false));
				});
				try {
					for (const [event, expectation] of Object.entries(socketEventExpectations)) {
						let outcome: Outcome = 'deny';
						if (connected) {
							const reply: unknown = await (socket.timeout(5_000) as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> })
								.emitWithAck(event, ...expectation.args(context))
								.catch((error: Error) => {
									mismatches.push(`${event} as ${principal}: no answer (${error.message})`);
									return null;
								});
							if (reply === null) continue;
							const refused = typeof reply === 'object' && reply !== null && 'ok' in reply && (reply as { ok: unknown }).ok === false;
							outcome = refused ? 'deny' : 'allow';
						}
						const expected: Outcome = expectation.allow.includes(principal) ? 'allow' : 'deny';
						if (outcome !== expected) mismatches.push(`${event} as ${principal}: expected ${expected}, got ${outcome}`);
					}
				} finally {
					socket.close();
				}
			})
		);
		expect(mismatches).toEqual([]);
	});

	it('collaboration: every principal gets the declared answer for every kind of document', async () => {
		const { HocuspocusProvider, HocuspocusProviderWebsocket } = await import('@hocuspocus/provider');
		const url = `${t.url.replace('http', 'ws')}/collab`;
		const mismatches: string[] = [];
		for (const principal of principals) {
			const context = contexts.get(principal)!;
			const cookie = cookies.get(principal);
			const outcomes = new Map<string, Outcome | 'read'>();
			if (!cookie) {
				// No session, no websocket: the upgrade itself is refused.
				const ws = new WebSocket(url);
				const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
				for (const kind of Object.keys(collabDocumentExpectations)) outcomes.set(kind, status === 401 ? 'deny' : 'allow');
			} else {
				class CookieWebSocket extends WebSocket {
					constructor(address: string) {
						super(address, { headers: { cookie } });
					}
				}
				const websocket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: CookieWebSocket });
				try {
					await Promise.all(
						Object.entries(collabDocumentExpectations).map(
							([kind, expectation]) =>
								new Promise<void>((resolve) => {
									// A watchdog, not a wait: a connection that never answers is a failure of its own.
									const watchdog = setTimeout(() => {
										mismatches.push(`${kind} as ${principal}: no answer from /collab`);
										resolve();
									}, 10_000);
									const settle = (outcome: Outcome | 'read') => {
										clearTimeout(watchdog);
										outcomes.set(kind, outcome);
										resolve();
									};
									new HocuspocusProvider({
										websocketProvider: websocket,
										name: expectation.name(context),
										onAuthenticated: ({ scope }) => settle(scope === 'readonly' ? 'read' : 'allow'),
										onAuthenticationFailed: () => settle('deny')
									}).attach();
								})
						)
					);
				} finally {
					websocket.destroy();
				}
			}
			for (const [kind, expectation] of Object.entries(collabDocumentExpectations)) {
				const expected: Outcome | 'read' = !expectation.allow.includes(principal) ? 'deny' : expectation.readOnly?.includes(principal) ? 'read' : 'allow';
				if (outcomes.has(kind) && outcomes.get(kind) !== expected) mismatches.push(`${kind} as ${principal}: expected ${expected}, got ${outcomes.get(kind)}`);
			}
		}
		expect(mismatches).toEqual([]);
	});

	it('routes: every principal gets the declared outcome of every page, form action and endpoint', async () => {
		const targets = targetsOf(listRoutes());
		const mismatches: string[] = [];
		const check = async (principal: Principal, target: Target) => {
			const expectation: Expectation | undefined = routeExpectations[target.key];
			if (!expectation) return; // reported by the coverage test above
			const context = contexts.get(principal)!;
			const pathname = routePath(target.route.id, (param) => {
				const fill = routeParams[param];
				if (!fill) throw new Error(`No value for route parameter "${param}" (${target.route.id}).`);
				return fill(context);
			});
			const query = [target.action && target.action !== 'default' ? `/${target.action}` : null, expectation.query?.(context) ?? null].filter(Boolean).join('&');
			// Form actions are posted as a browser without JavaScript does (accept: text/html), so a
			// redirect is a 303 and a refusal its status; an enhanced post would get 200 JSON.
			const headers: Record<string, string> = { origin: t.url, accept: target.action !== undefined ? 'text/html' : '*/*' };
			const cookie = cookies.get(principal);
			if (cookie) headers.cookie = cookie;
			let body: BodyInit | undefined;
			const raw = target.method !== 'GET' ? expectation.raw?.(context) : undefined;
			if (raw) {
				body = raw.bytes;
				headers['content-type'] = raw.contentType;
			} else if (target.method !== 'GET') {
				const declared = expectation.body?.(context);
				if (declared instanceof FormData) body = declared;
				else if (target.action !== undefined) {
					body = new URLSearchParams(declared ?? {});
					headers['content-type'] = 'application/x-www-form-urlencoded';
				} else {
					body = JSON.stringify(declared ?? {});
					headers['content-type'] = 'application/json';
				}
			}
			const response = await fetch(`${t.url}${pathname}${query ? `?${query}` : ''}`, { method: target.method, redirect: 'manual', headers, body });
			checked += 1;
			await response.arrayBuffer();
			const location = response.headers.get('location');
			const label = `${target.key} as ${principal} (${response.status}${location ? ` → ${location}` : ''})`;
			if (response.status >= 500) {
				mismatches.push(`server error: ${label}`);
				return;
			}
			const expected: Outcome = expectation.allow.includes(principal) ? 'allow' : 'deny';
			const actual = outcomeOf(principal, target.method, response.status, location, expectation.landing);
			if (actual !== expected) mismatches.push(`${actual === 'allow' ? 'UNEXPECTED ALLOW' : 'unexpected refusal'}: ${label}`);
		};
		let checked = 0;
		const isLast = (target: Target) => routeExpectations[target.key]?.last === true;
		// Checks that change nothing the principal may do run side by side; then the ones that do, one by one.
		await Promise.all(
			principals.map(async (principal) => {
				for (const target of targets.filter((x) => !isLast(x))) await check(principal, target);
			})
		);
		for (const principal of principals) {
			for (const target of targets.filter(isLast)) await check(principal, target);
		}
		expect(mismatches).toEqual([]);
		expect(checked).toBe(targets.length * principals.length);
		// Every route for every principal on PGlite's single connection: a minute is too tight on a busy machine.
	}, 240_000);

	/**
	 * A page or endpoint read that redirects showed nothing: refused, unless it went where the
	 * line says success goes. A post that redirects did its work unless it was sent to sign-in,
	 * to "/" or to the principal's home.
	 */
	function outcomeOf(principal: Principal, method: string, status: number, location: string | null, landing: string | undefined): Outcome {
		if (status >= 300 && status < 400) {
			const path = new URL(location ?? '/', t.url).pathname;
			if (landing && path === landing) return 'allow';
			if (method === 'GET') return 'deny';
			const refusalPlaces = ['/sign-in', '/', ...homesOf[principal]];
			return refusalPlaces.includes(path) ? 'deny' : 'allow';
		}
		if (status === 401 || status === 403 || status === 404) return 'deny';
		return 'allow';
	}
});
