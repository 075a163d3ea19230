import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { and, eq } from 'drizzle-orm';
import { testDatabaseKinds } from '../db/testing';
import { auditEvents, users } from '../db/schema/index';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import type { Actor } from '../app/lib/server/access/actor';
import { createRecordShare, revokeRecordShare } from '../app/lib/server/sharing/record-shares';
import type { ClientToServerEvents, ServerToClientEvents } from '../app/lib/realtime/events';
import { signInCookie, startTestServer, type TestServer } from './testing';

const password = 'demo-password-2026';
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Tomorrow in the demo clinic's zone, as "YYYY-MM-DD". */
function tomorrow(): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	const date = new Date(`${today}T12:00:00Z`);
	date.setUTCDate(date.getUTCDate() + 1);
	return date.toISOString().slice(0, 10);
}

describe.each(testDatabaseKinds)('chart presence and instant revocation over socket.io (%s)', (kind) => {
	let t: TestServer;
	let maria: Actor;
	let mariaPatientId: string;
	let outsiderCookie: string;
	let chenCookie: string;
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

	beforeAll(async () => {
		t = await startTestServer(kind);
		const { db } = t.database;
		await loadDemoClinic(db, { hashPassword, patientCount: 12 });
		// As the setup page's demo button does: the demo clinic asks for no second factor.
		await relaxDemoSignInPolicy(db);
		const [user] = await db.select().from(users).where(eq(users.email, 'maria.garcia@example.com'));
		mariaPatientId = user!.patientId!;
		maria = {
			userId: user!.id,
			role: user!.role,
			displayName: user!.displayName,
			practitionerId: null,
			patientId: mariaPatientId,
			sessionId: 'test',
			sourceAddress: '127.0.0.1',
			requestId: null
		};
		// An outside person who has chosen a password (the invitation itself is the identity work's).
		await db.insert(users).values({ email: 'outside.doctor@elsewhere.example', role: 'external', displayName: 'Dr. Outside', passwordHash: await hashPassword(password) });
		outsiderCookie = await signInCookie(t.url, 'outside.doctor@elsewhere.example', password);
		chenCookie = await signInCookie(t.url, 'dr.chen@riverside.example', password);
	}, 180_000);
	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await t?.stop();
	});

	it('refuses a chart the person may not see, and a malformed payload, with an error in the acknowledgement', async () => {
		const socket = await connect(outsiderCookie);
		expect(await socket.emitWithAck('chart:join', { patientId: mariaPatientId })).toEqual({ ok: false, error: 'You do not have access to this patient’s chart.' });
		for (const bad of [{}, { patientId: 'nope' }, 'text', null, { patientId: mariaPatientId, extra: 1 }]) {
			const reply = await (socket as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown> }).emitWithAck('chart:join', bad);
			expect(reply).toEqual({ ok: false, error: 'Send the id of the patient whose chart you opened.' });
		}
		// Still connected and answering after the bad payloads.
		expect((await socket.emitWithAck('presence:ping')).userId).toMatch(/^[0-9a-f-]{36}$/);
		const [denied] = await t.database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'chart.presence_join'), eq(auditEvents.outcome, 'denied')));
		expect(denied).toMatchObject({ patientId: mariaPatientId, reason: 'no relationship' });
		socket.close();
	});

	it('shows who is viewing a chart, by name', async () => {
		const chen = await connect(chenCookie);
		const joined = await chen.emitWithAck('chart:join', { patientId: mariaPatientId });
		expect(joined).toEqual({ ok: true, viewers: [expect.objectContaining({ displayName: expect.stringContaining('Chen') })] });
		const left = await chen.emitWithAck('chart:leave', { patientId: mariaPatientId });
		expect(left).toEqual({ ok: true });
		chen.close();
	});

	it("closes the grantee's socket within 1 s of the patient revoking the share", async () => {
		const { shareId } = await createRecordShare(
			t.database.db,
			maria,
			mariaPatientId,
			{ parts: ['demographics', 'clinical'], endDate: tomorrow(), recipient: { kind: 'external', displayName: 'Dr. Outside', email: 'outside.doctor@elsewhere.example' } },
			{ origin: t.url }
		);
		const chen = await connect(chenCookie);
		await chen.emitWithAck('chart:join', { patientId: mariaPatientId });
		const outsider = await connect(outsiderCookie);
		const viewersSeenByChen = new Promise<string[]>((resolve) =>
			chen.on('chart:viewers', ({ viewers }) => {
				if (viewers.length === 2) resolve(viewers.map((v) => v.displayName));
			})
		);
		const joined = await outsider.emitWithAck('chart:join', { patientId: mariaPatientId });
		expect(joined.ok).toBe(true);
		expect(await viewersSeenByChen).toContain('Dr. Outside');

		const told = new Promise<{ patientId: string }>((resolve) => outsider.once('access:revoked', resolve));
		const disconnected = new Promise<string>((resolve) => outsider.once('disconnect', resolve));
		const chenSeesOneViewer = new Promise<string[]>((resolve) =>
			chen.on('chart:viewers', ({ viewers }) => {
				if (viewers.length === 1) resolve(viewers.map((v) => v.displayName));
			})
		);

		const started = performance.now();
		await revokeRecordShare(t.database.db, maria, shareId);
		const revoked = await told;
		const reason = await disconnected;
		const elapsed = performance.now() - started;

		expect(revoked.patientId).toBe(mariaPatientId);
		expect(reason).toMatch(/disconnect|close/);
		expect(elapsed).toBeLessThan(1000);
		// The care team's viewer stays, and sees the outside person go.
		expect(await chenSeesOneViewer).toEqual([expect.stringContaining('Chen')]);
		expect(chen.connected).toBe(true);

		// Reconnecting does not get the chart back.
		const again = await connect(outsiderCookie);
		expect(await again.emitWithAck('chart:join', { patientId: mariaPatientId })).toMatchObject({ ok: false });
	});


	it('signing out closes that session\'s sockets at once, and only that session\'s', async () => {
		const nurseA = await signInCookie(t.url, 'nurse.kim@riverside.example', password);
		const nurseB = await signInCookie(t.url, 'nurse.kim@riverside.example', password);
		const socketA = await connect(nurseA);
		const socketB = await connect(nurseB);
		const told = new Promise<{ reason: string }>((resolve) => socketA.once('session:ended', resolve));
		const closed = new Promise<string>((resolve) => socketA.once('disconnect', resolve));
		const started = performance.now();
		const response = await fetch(`${t.url}/sign-out`, { method: 'POST', redirect: 'manual', headers: { origin: t.url, cookie: nurseA, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
		expect(response.status).toBeLessThan(400);
		expect((await told).reason).toMatch(/session has ended/);
		await closed;
		expect(performance.now() - started).toBeLessThan(1000);
		expect(socketB.connected).toBe(true);
	});
});
