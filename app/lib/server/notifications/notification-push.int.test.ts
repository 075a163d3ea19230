import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { eq } from 'drizzle-orm';
import { testDatabaseKinds } from '../../../../db/testing';
import { notifications, users } from '../../../../db/schema/index';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { hashPassword } from '../auth/password';
import { relaxDemoSignInPolicy } from '../clinic/demo';
import type { ClientToServerEvents, NotificationSummary, ServerToClientEvents } from '../../realtime/events';
import { signInCookie, startTestServer, type TestServer } from '../../../../server/testing';
import { listNotifications, markNotificationsRead, notifyUsers } from './notifications';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const password = 'demo-password-2026';

describe.each(testDatabaseKinds)('notifications reach the person’s open sockets (%s)', (kind) => {
	let t: TestServer;
	const sockets: ClientSocket[] = [];
	const idOf = async (email: string) => (await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]!.id;

	const connect = async (email: string): Promise<ClientSocket> => {
		const cookie = await signInCookie(t.url, email, password);
		const socket: ClientSocket = connectSocket(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		return socket;
	};

	beforeAll(async () => {
		t = await startTestServer(kind);
		await loadDemoClinic(t.database.db, { hashPassword, patientCount: 12 });
		await relaxDemoSignInPolicy(t.database.db);
	}, 180_000);
	afterAll(async () => {
		for (const socket of sockets) socket.disconnect();
		await t?.stop();
	});

	it('pushes notification:new to every tab of the person, and to no one else', async () => {
		const [mariaTab1, mariaTab2, chen] = [await connect('maria.garcia@example.com'), await connect('maria.garcia@example.com'), await connect('dr.chen@riverside.example')];
		const received = (socket: ClientSocket) => new Promise<NotificationSummary>((resolve) => socket.once('notification:new', resolve));
		const chenGot: NotificationSummary[] = [];
		chen.on('notification:new', (n) => chenGot.push(n));
		const [first, second] = [received(mariaTab1), received(mariaTab2)];

		const mariaId = await idOf('maria.garcia@example.com');
		// Written by this test process, pushed by the server's socket.io: the in-process bus is
		// shared because the test server runs in this process.
		const [row] = await notifyUsers(t.database.db, [mariaId], { kind: 'plan.changed', title: 'Treatment plan updated', body: 'Open it to see what changed.', link: '/portal/plans', patientId: null });
		expect(await first).toMatchObject({ id: row!.id, title: 'Treatment plan updated', read: false });
		expect((await second).id).toBe(row!.id);
		// A round trip on Dr. Chen's socket: had anything been sent to him, it would have arrived first.
		await new Promise<void>((resolve) => chen.emit('presence:ping', () => resolve()));
		expect(chenGot).toEqual([]);

		expect((await listNotifications(t.database.db, mariaId)).unread).toBe(1);
		expect(await markNotificationsRead(t.database.db, mariaId)).toBe(1);
		expect((await listNotifications(t.database.db, mariaId)).unread).toBe(0);
		const [stored] = await t.database.db.select().from(notifications).where(eq(notifications.id, row!.id));
		expect(stored!.readAt).not.toBeNull();
	});
});
