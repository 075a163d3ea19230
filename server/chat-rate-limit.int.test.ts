import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { testDatabaseKinds } from '../db/testing';
import { chatMessages } from '../db/schema/index';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { OutboundSession, ready } from '../app/lib/chat/crypto/index';
import type { ChatAck } from '../app/lib/chat/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import { createChatTestClinic, createTestDevice, type ChatTestClinic, type TestDevice } from '../app/lib/server/messaging/testing';
import { chatSendLimit } from './chat-handlers';
import { signInCookie, startTestServer, type TestServer } from './testing';

/** chat:send is limited per person (all their tabs together), over the real server and sockets. */

const password = 'chat-rate-test-password-2026';
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Loose = { emitWithAck(event: string, ...args: unknown[]): Promise<ChatAck<Record<string, unknown>>> };

describe.each(testDatabaseKinds)('chat:send rate limit (%s)', (kind) => {
	let t: TestServer;
	let clinic: ChatTestClinic;
	const sockets: ClientSocket[] = [];

	const connect = async (email: string, userId: string) => {
		const cookie = await signInCookie(t.url, email, password);
		const socket: ClientSocket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		const device: TestDevice = await createTestDevice(t.database.db, userId);
		expect(await socket.emitWithAck('keys:claim-device', { deviceId: device.deviceId })).toEqual({ ok: true });
		return { socket, device };
	};

	beforeAll(async () => {
		await ready();
		t = await startTestServer(kind);
		clinic = await createChatTestClinic(t.database.db, await hashPassword(password));
		await relaxDemoSignInPolicy(t.database.db);
	}, 180_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await t?.stop();
	});

	it(`refuses a person's message beyond ${chatSendLimit.messages} in ${chatSendLimit.windowMs / 1000} s with a sentence, storing nothing; others are not held back`, async () => {
		const doctor = await connect('ruiz@clinic.example', clinic.actors.teamPhysician.userId);
		const nurse = await connect('brooks@clinic.example', clinic.teamNurse.userId);
		const created = await doctor.socket.emitWithAck('chat:create', { kind: 'care_team', patientId: clinic.patientId });
		if (!created.ok) throw new Error(created.error);
		const conversationId = created.conversation.conversationId;
		const session = OutboundSession.create(conversationId, doctor.device.deviceId);
		expect(await doctor.socket.emitWithAck('keys:share-room-key', { conversationId, sessionId: session.sessionId, shares: [] })).toMatchObject({ ok: true });

		const sign = doctor.device.keys.signing.secretKey;
		for (let i = 0; i < chatSendLimit.messages; i++) {
			expect(await doctor.socket.emitWithAck('chat:send', { envelope: session.encrypt({ body: `m${i}`, composedAt: i }, sign) })).toMatchObject({ ok: true });
		}
		const over = await doctor.socket.emitWithAck('chat:send', { envelope: session.encrypt({ body: 'one too many', composedAt: 99 }, sign) });
		expect(over).toMatchObject({ ok: false, code: 'rate_limited' });
		expect(!over.ok && /faster than the clinic allows\. Wait \d+ seconds?/.test(over.error)).toBe(true);
		expect(await t.database.db.select({ id: chatMessages.id }).from(chatMessages).where(eq(chatMessages.conversationId, conversationId))).toHaveLength(chatSendLimit.messages);

		// Another tab of the same person is held back too; another person is not.
		const secondTab = await connect('ruiz@clinic.example', clinic.actors.teamPhysician.userId);
		expect(await (secondTab.socket as unknown as Loose).emitWithAck('chat:send', {})).toMatchObject({ ok: false, code: 'rate_limited' });
		expect(await (nurse.socket as unknown as Loose).emitWithAck('chat:send', {})).toMatchObject({ ok: false, code: 'invalid' });
		// The connection still answers other requests.
		expect(await doctor.socket.emitWithAck('chat:history', { conversationId })).toMatchObject({ ok: true });
	}, 60_000);
});
