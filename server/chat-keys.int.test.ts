/**
 * The keys handlers and the attachment and compliance endpoints on the real server (built
 * SvelteKit app, real sockets), with the browser's crypto: devices and room keys over socket.io,
 * an encrypted attachment round trip over HTTP, the compliance export opened with the private
 * key, and proof that what the server stores holds no plaintext.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { sql } from 'drizzle-orm';
import { testDatabaseKinds } from '../db/testing';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { createTestClinic, type TestClinic } from '../app/lib/server/access/test-clinic';
import { insertConversation, makeDevice, placeholderBackup, type TestDevice } from '../app/lib/server/messaging/keys-testing';
import {
	OutboundSession,
	createComplianceKeyPair,
	createIdentity,
	decryptAttachment,
	decryptComplianceExport,
	encryptAttachment,
	openRoomKey,
	ready,
	sealRoomKey,
	sealToCompliance,
	type KeyPair
} from '../app/lib/chat/crypto/index';
import type { ComplianceExport, MessageContent, ToDeviceMessage } from '../app/lib/chat/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import { signInCookie, startTestServer, type TestServer } from './testing';

const password = 'chat-keys-password-2026';
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Loose = { emitWithAck(event: string, payload?: unknown): Promise<{ ok: boolean; code?: string; error?: string } & Record<string, unknown>> };
const loose = (socket: ClientSocket) => socket as unknown as Loose;

/** Distinctive plaintext: if it appears anywhere the server wrote, encryption failed. */
const marker = 'PLAINTEXT-MARKER-7f3a9c';

interface Person {
	cookie: string;
	socket: ClientSocket;
	identity: KeyPair;
	device: TestDevice;
	userId: string;
}

describe.each(testDatabaseKinds)('chat keys, attachments and compliance over the real server (%s)', (kind) => {
	let t: TestServer;
	let clinic: TestClinic;
	let ruiz: Person;
	let patel: Person;
	let deskCookie: string;
	let adminCookie: string;
	let conversationId: string;
	let compliance: { publicKey: string; secretKey: string };
	let session: OutboundSession;
	const sockets: ClientSocket[] = [];

	const connect = async (cookie: string): Promise<ClientSocket> => {
		const socket: ClientSocket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		return socket;
	};

	/** Signs in, sets up keys over the socket (as the browser does) and claims the device. */
	const person = async (email: string, userId: string): Promise<Person> => {
		const cookie = await signInCookie(t.url, email, password);
		const socket = await connect(cookie);
		const { deviceId } = (await socket.emitWithAck('keys:device-id', {})) as { ok: true; deviceId: string };
		const identity = createIdentity();
		// Signed over the id the server handed out.
		const signed = makeDevice(userId, identity.secretKey, 'Test browser', deviceId);
		const setup = await socket.emitWithAck('keys:setup', { identityKey: identity.publicKey, device: signed.registration, backup: await placeholderBackup() });
		expect(setup).toMatchObject({ ok: true, device: { deviceId, signature: expect.any(String) } });
		expect(await socket.emitWithAck('keys:claim-device', { deviceId })).toEqual({ ok: true });
		return { cookie, socket, identity, device: signed, userId };
	};

	const upload = (cookie: string, body: BodyInit | null, query = `?conversationId=${conversationId}`, headers: Record<string, string> = {}) =>
		fetch(`${t.url}/api/chat/attachments${query}`, {
			method: 'POST',
			headers: { cookie, origin: t.url, 'content-type': 'application/octet-stream', ...headers },
			body,
			...(body instanceof ReadableStream ? { duplex: 'half' } : {})
		} as RequestInit);
	const attachmentDir = () => path.join(t.server.runtime.config.dataDir, 'chat-attachments');
	const filesOnDisk = () => {
		try {
			return readdirSync(attachmentDir());
		} catch {
			return [];
		}
	};

	beforeAll(async () => {
		await ready();
		t = await startTestServer(kind, { CHAT_MAX_ATTACHMENT_MB: '1' });
		const { db } = t.database;
		clinic = await createTestClinic(db, await hashPassword(password));
		await relaxDemoSignInPolicy(db);
		conversationId = await insertConversation(db, 'direct', [{ userId: clinic.actors.teamPhysician.userId }, { userId: clinic.actors.outsideNurse.userId }]);
		ruiz = await person('ruiz@clinic.example', clinic.actors.teamPhysician.userId);
		patel = await person('patel@clinic.example', clinic.actors.outsideNurse.userId);
		deskCookie = await signInCookie(t.url, 'desk@clinic.example', password);
		adminCookie = await signInCookie(t.url, 'admin@clinic.example', password);
	}, 180_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await t?.stop();
	});

	it('refuses a forged device and tells my approved devices about an unsigned one', async () => {
		const second = await connect(patel.cookie);
		const forged = makeDevice(patel.userId, createIdentity().secretKey);
		expect(await second.emitWithAck('keys:register-device', { device: forged.registration })).toMatchObject({ ok: false, code: 'bad_signature' });
		for (const bad of [null, 'text', { device: null }, { device: { deviceId: 'x' } }]) {
			expect(await loose(second).emitWithAck('keys:register-device', bad)).toMatchObject({ ok: false, code: 'invalid' });
		}
		const requested = new Promise<{ device: { deviceId: string } }>((resolve) => patel.socket.once('keys:device-requested', resolve));
		const pending = makeDevice(patel.userId);
		expect(await second.emitWithAck('keys:register-device', { device: pending.registration })).toMatchObject({ ok: true, device: { signature: null } });
		expect((await requested).device.deviceId).toBe(pending.deviceId);
		// Not among the keys others share with.
		const keys = (await ruiz.socket.emitWithAck('keys:conversation-keys', { conversationId })) as { ok: true; users: { userId: string; devices: { deviceId: string }[] }[] };
		expect(keys.users.find((u) => u.userId === patel.userId)!.devices.map((d) => d.deviceId)).toEqual([patel.device.deviceId]);
		second.close();
	});

	it('delivers a room key live to the claimed device only; other sockets cannot read its queue', async () => {
		// The clinic has a compliance key from now on: every share must carry its copy.
		compliance = createComplianceKeyPair();
		const put = await fetch(`${t.url}/api/chat/compliance-key`, {
			method: 'PUT',
			headers: { cookie: adminCookie, origin: t.url, 'content-type': 'application/json' },
			body: JSON.stringify({ publicKey: compliance.publicKey })
		});
		expect(put.status).toBe(200);
		const notAdmin = await fetch(`${t.url}/api/chat/compliance-key`, {
			method: 'PUT',
			headers: { cookie: ruiz.cookie, origin: t.url, 'content-type': 'application/json' },
			body: JSON.stringify({ publicKey: compliance.publicKey })
		});
		expect(notAdmin.status).toBe(403);
		const garbled = await fetch(`${t.url}/api/chat/compliance-key`, { method: 'PUT', headers: { cookie: adminCookie, origin: t.url }, body: '{nope' });
		expect(garbled.status).toBe(400);
		expect((await garbled.json()).message).toMatch(/JSON/);
		const key = (await ruiz.socket.emitWithAck('keys:compliance-key', {})) as { ok: true; key: { publicKey: string } };
		expect(key.key.publicKey).toBe(compliance.publicKey);

		session = OutboundSession.create(conversationId, ruiz.device.deviceId);
		const payload = sealRoomKey(
			session.roomKey(ruiz.userId),
			{ signingSecretKey: ruiz.device.keys.signing.secretKey, boxSecretKey: ruiz.device.keys.box.secretKey },
			{ deviceId: patel.device.deviceId, boxKey: patel.device.keys.box.publicKey }
		);
		const unclaimed = await connect(patel.cookie);
		let unclaimedGot = 0;
		unclaimed.on('keys:to-device', () => (unclaimedGot += 1));
		const live = new Promise<ToDeviceMessage>((resolve) => patel.socket.once('keys:to-device', resolve));
		const share = { conversationId, sessionId: session.sessionId, shares: [{ deviceId: patel.device.deviceId, payload }] };
		expect(await ruiz.socket.emitWithAck('keys:share-room-key', share)).toMatchObject({ ok: false, code: 'no_keys' });
		const shared = await ruiz.socket.emitWithAck('keys:share-room-key', { ...share, complianceShare: sealToCompliance(session.roomKey(ruiz.userId), compliance.publicKey) });
		expect(shared).toEqual({ ok: true, keyEpoch: 0 });
		const message = await live;
		expect(openRoomKey(message.payload, { deviceId: patel.device.deviceId, boxSecretKey: patel.device.keys.box.secretKey }, ruizDeviceKeys()).sessionKey).toBe(session.sessionKey);

		expect(await unclaimed.emitWithAck('keys:inbox', { afterId: 0 })).toMatchObject({ ok: false, code: 'no_keys' });
		// Claiming another person's device is refused.
		expect(await unclaimed.emitWithAck('keys:claim-device', { deviceId: ruiz.device.deviceId })).toMatchObject({ ok: false, code: 'forbidden' });
		const inbox = (await patel.socket.emitWithAck('keys:inbox', { afterId: 0 })) as { ok: true; messages: ToDeviceMessage[] };
		expect(inbox.messages.map((m) => m.id)).toEqual([message.id]);
		expect(await patel.socket.emitWithAck('keys:inbox-ack', { upToId: message.id })).toEqual({ ok: true });
		expect(((await patel.socket.emitWithAck('keys:inbox', { afterId: 0 })) as { messages: unknown[] }).messages).toEqual([]);
		expect(unclaimedGot).toBe(0);
		unclaimed.close();
	});

	it('round-trips an encrypted attachment: upload, send, download by the other member, decrypt', async () => {
		const plaintext = new TextEncoder().encode(`${marker} chest X-ray report `.repeat(9000)); // ~300 KB, several chunks
		const encrypted = await encryptAttachment(plaintext);
		const body = concat(encrypted.ciphertext);
		const response = await upload(ruiz.cookie, body);
		expect(response.status).toBe(201);
		const { attachmentId } = (await response.json()) as { attachmentId: string };

		// Before it is sent, only the uploader may fetch it.
		expect((await fetch(`${t.url}/api/chat/attachments/${attachmentId}`, { headers: { cookie: patel.cookie } })).status).toBe(404);
		const content: MessageContent = {
			body: `${marker} see attached`,
			composedAt: Date.now(),
			attachment: { attachmentId, name: 'xray.txt', contentType: 'text/plain', size: encrypted.size, key: encrypted.key, header: encrypted.header, hash: encrypted.hash }
		};
		const envelope = session.encrypt(content, ruiz.device.keys.signing.secretKey);
		const sent = await ruiz.socket.emitWithAck('chat:send', { envelope, attachmentIds: [attachmentId] });
		expect(sent.ok).toBe(true);

		const download = await fetch(`${t.url}/api/chat/attachments/${attachmentId}`, { headers: { cookie: patel.cookie } });
		expect(download.status).toBe(200);
		expect(download.headers.get('content-type')).toBe('application/octet-stream');
		const ciphertext = new Uint8Array(await download.arrayBuffer());
		expect(ciphertext.length).toBe(body.length);
		expect(decryptAttachment(ciphertext, encrypted.key, encrypted.header, encrypted.hash)).toEqual(plaintext);

		// A non-member can neither download nor upload.
		expect((await fetch(`${t.url}/api/chat/attachments/${attachmentId}`, { headers: { cookie: deskCookie } })).status).toBe(403);
		const refused = await upload(deskCookie, body);
		expect(refused.status).toBe(403);
		expect((await refused.json()).message).toMatch(/not in this conversation/);
	});

	it('refuses an oversized attachment with 413 and leaves no file, declared or streamed', async () => {
		const before = filesOnDisk().sort();
		const tooBig = new Uint8Array(1024 * 1024 + 32 * 1024); // over 1 MB plus the ciphertext overhead
		const declared = await upload(ruiz.cookie, tooBig);
		expect(declared.status).toBe(413);
		expect((await declared.json()).message).toMatch(/at most 1 MB/);

		// No Content-Length: nothing past the cap is written; the rest is read and dropped.
		const chunk = new Uint8Array(64 * 1024);
		let sent = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent >= 24) return controller.close();
				sent += 1;
				controller.enqueue(chunk);
			}
		});
		const streamed = await upload(ruiz.cookie, stream);
		expect(streamed.status).toBe(413);
		expect(filesOnDisk().sort()).toEqual(before);
	});

	it('answers bad uploads and downloads with 4xx and a message, never 500', async () => {
		const small = new Uint8Array(64);
		const cases: [Promise<Response>, number][] = [
			[upload(ruiz.cookie, small, ''), 400],
			[upload(ruiz.cookie, small, '?conversationId=nope'), 400],
			[upload(ruiz.cookie, small, `?conversationId=${crypto.randomUUID()}`), 404],
			[upload(ruiz.cookie, small, undefined, { 'content-type': 'text/plain' }), 415],
			[upload(ruiz.cookie, small, undefined, { origin: 'https://evil.example' }), 403],
			[upload(ruiz.cookie, new Uint8Array(3)), 400],
			[upload('', small), 401],
			[fetch(`${t.url}/api/chat/attachments/not-a-uuid`, { headers: { cookie: ruiz.cookie } }), 404],
			[fetch(`${t.url}/api/chat/attachments/${crypto.randomUUID()}`, { headers: { cookie: ruiz.cookie } }), 404],
			[fetch(`${t.url}/api/chat/compliance-export?conversationId=nope`, { headers: { cookie: adminCookie } }), 400],
			[fetch(`${t.url}/api/chat/compliance-export?conversationId=${crypto.randomUUID()}`, { headers: { cookie: adminCookie } }), 404],
			[fetch(`${t.url}/api/chat/compliance-export?conversationId=${conversationId}`, { headers: { cookie: ruiz.cookie } }), 403]
		];
		for (const [pending, status] of cases) {
			const response = await pending;
			expect(response.status).toBe(status);
			expect(((await response.json()) as { message: string }).message.length).toBeGreaterThan(5);
		}
	});

	it('exports the conversation for a compliance review that opens only with the private key', async () => {
		const second = session.encrypt({ body: `${marker} follow-up`, composedAt: Date.now() }, ruiz.device.keys.signing.secretKey);
		expect((await ruiz.socket.emitWithAck('chat:send', { envelope: second })).ok).toBe(true);
		const response = await fetch(`${t.url}/api/chat/compliance-export?conversationId=${conversationId}`, { headers: { cookie: adminCookie } });
		expect(response.status).toBe(200);
		const text = await response.text();
		expect(text).not.toContain(marker);
		const rows = decryptComplianceExport(JSON.parse(text) as ComplianceExport, compliance.secretKey);
		expect(rows.map((r) => r.content?.body)).toEqual([`${marker} see attached`, `${marker} follow-up`]);
		expect(rows[0]!.content!.attachment!.name).toBe('xray.txt');
	});

	it('revoking a device rotates the conversation and tells the other members', async () => {
		const phone = await connect(patel.cookie);
		const { deviceId } = (await phone.emitWithAck('keys:device-id', {})) as { ok: true; deviceId: string };
		const device = makeDevice(patel.userId, patel.identity.secretKey, 'Phone', deviceId);
		expect((await phone.emitWithAck('keys:register-device', { device: device.registration })).ok).toBe(true);
		expect((await phone.emitWithAck('keys:claim-device', { deviceId })).ok).toBe(true);
		const told = new Promise<{ userId: string }>((resolve) => ruiz.socket.once('keys:devices-changed', resolve));
		expect(await patel.socket.emitWithAck('keys:revoke-device', { deviceId })).toEqual({ ok: true });
		expect((await told).userId).toBe(patel.userId);
		expect(await phone.emitWithAck('keys:inbox', { afterId: 0 })).toMatchObject({ ok: false, code: 'forbidden' });
		const stale = session.encrypt({ body: 'after the revocation', composedAt: Date.now() }, ruiz.device.keys.signing.secretKey);
		expect(await ruiz.socket.emitWithAck('chat:send', { envelope: stale })).toMatchObject({ ok: false, code: 'stale_session' });
		phone.close();
	});

	it('answers every keys event’s malformed payload with a refusal and keeps the socket', async () => {
		const socket = await connect(ruiz.cookie);
		const events = [
			'keys:setup',
			'keys:register-device',
			'keys:claim-device',
			'keys:approve-device',
			'keys:revoke-device',
			'keys:conversation-keys',
			'keys:user-keys',
			'keys:verify-user',
			'keys:share-room-key',
			'keys:share-more',
			'keys:inbox',
			'keys:inbox-ack',
			'keys:backup-room-key'
		];
		for (const event of events) {
			for (const bad of [null, 'text', 42, { extra: true }, { deviceId: 'nope', conversationId: 'nope', userId: 'nope', afterId: -1, upToId: 'x' }]) {
				const reply = await loose(socket).emitWithAck(event, bad);
				expect(reply.ok, `${event} ${JSON.stringify(bad)}`).toBe(false);
				expect(['invalid', 'no_keys', 'bad_signature'], `${event} ${JSON.stringify(bad)}`).toContain(reply.code);
				expect(reply.error!.length).toBeGreaterThan(5);
			}
		}
		expect(await socket.emitWithAck('keys:status', {})).toMatchObject({ ok: true, identityKey: ruiz.identity.publicKey, hasBackup: true });
		socket.close();
	});

	it('stores no plaintext: not in the attachment files, the chat tables or the audit trail', async () => {
		const files = filesOnDisk();
		expect(files.length).toBeGreaterThan(0);
		expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
		for (const file of files) expect(readFileSync(path.join(attachmentDir(), file)).includes(Buffer.from(marker))).toBe(false);
		const hexMarker = Buffer.from(marker).toString('hex');
		const tables = [
			'chat_messages',
			'chat_attachments',
			'chat_sessions',
			'chat_to_device',
			'chat_devices',
			'chat_identities',
			'chat_key_backups',
			'chat_backup_room_keys',
			'chat_compliance_keys',
			'chat_compliance_room_keys',
			'conversations',
			'audit_events'
		];
		let rowsSeen = 0;
		for (const table of tables) {
			const result = await t.database.db.execute(sql.raw(`select row_to_json(x)::text as row from ${table} x`));
			const rows = ((result as unknown as { rows?: { row: string }[] }).rows ?? (result as unknown as { row: string }[])).map((r) => r.row);
			rowsSeen += rows.length;
			for (const row of rows) {
				expect(row).not.toContain(marker);
				expect(row.toLowerCase()).not.toContain(hexMarker);
			}
		}
		expect(rowsSeen).toBeGreaterThan(10);
	});

	function ruizDeviceKeys() {
		return { signingKey: ruiz.device.keys.signing.publicKey, boxKey: ruiz.device.keys.box.publicKey };
	}
});

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
