import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../db/testing';
import { consultParticipants } from '../../db/schema/index';
import { createTestClinic } from '../../app/lib/server/access/test-clinic';
import { startUnscheduledConsult } from '../../app/lib/server/consults/consults';
import { enterConsult } from '../../app/lib/server/consults/waiting-room';
import { listConsultEvents } from '../../app/lib/server/consults/timeline';
import { startTestServer, type TestServer } from '../../server/testing';

const livekit = { LIVEKIT_URL: 'wss://media.clinic.test', LIVEKIT_API_KEY: 'APIclinic', LIVEKIT_API_SECRET: 'a-secret-of-at-least-thirty-two-characters' };

async function signed(body: string, secret = livekit.LIVEKIT_API_SECRET): Promise<string> {
	const token = new AccessToken(livekit.LIVEKIT_API_KEY, secret, { ttl: 300 });
	token.sha256 = createHash('sha256').update(body).digest('base64');
	return token.toJwt();
}

function event(kind: string, roomName: string, identity: string, createdAtMs = Date.now()): string {
	return JSON.stringify({ event: kind, id: `EV_${Math.random().toString(36).slice(2)}`, createdAt: String(Math.floor(createdAtMs / 1000)), room: { name: roomName }, participant: { identity } });
}

/** POST /api/livekit/webhook through the real server: only signed, fresh events reach the visit. */
describe.each(testDatabaseKinds)('the LiveKit webhook route (%s)', (kind) => {
	let t: TestServer;
	let roomName: string;
	let consultId: string;
	let participantId: string;

	const post = async (body: string, authorization?: string) => {
		const response = await fetch(`${t.url}/api/livekit/webhook`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) }, body });
		return { status: response.status, body: (await response.json()) as { ok: boolean; error?: string; recorded?: boolean } };
	};
	const leftAt = async () => (await t.database.db.select().from(consultParticipants).where(eq(consultParticipants.id, participantId)))[0]!.leftAt;

	beforeAll(async () => {
		t = await startTestServer(kind, livekit);
		const { db } = t.database;
		const clinic = await createTestClinic(db);
		const consult = await startUnscheduledConsult(db, clinic.actors.teamPhysician, clinic.patientId, { config: { livekit: undefined } });
		({ roomName, id: consultId } = consult);
		participantId = (await enterConsult(db, clinic.actors.teamPhysician, consultId)).participant.id;
	});
	afterAll(async () => {
		await t?.stop();
	});

	it('refuses unsigned, forged and stale events, and nothing changes', async () => {
		const body = event('participant_joined', roomName, participantId);
		expect(await post(body)).toMatchObject({ status: 401, body: { ok: false, error: expect.stringMatching(/Authorization/) } });
		expect(await post(body, await signed(body, 'not-our-secret-but-just-as-long-as-ours'))).toMatchObject({ status: 401, body: { ok: false } });
		const tampered = body.replace(participantId, '00000000-0000-4000-8000-000000000000');
		expect(await post(tampered, await signed(body))).toMatchObject({ status: 401, body: { ok: false } });
		const stale = event('participant_joined', roomName, participantId, Date.now() - 6 * 60_000);
		expect(await post(stale, await signed(stale))).toMatchObject({ status: 401, body: { ok: false, error: expect.stringMatching(/too old/) } });
		const left = event('participant_left', roomName, participantId);
		expect(await post(left, await signed(left, 'not-our-secret-but-just-as-long-as-ours'))).toMatchObject({ status: 401 });
		expect(await leftAt()).toBeNull();
		expect((await listConsultEvents(t.database.db, consultId)).filter((e) => e.source === 'livekit')).toEqual([]);
	});

	it('records a signed join and leave in the visit, and acknowledges events of rooms that are not ours', async () => {
		// Whole seconds apart: LiveKit dates events to the second, and the timeline orders by time.
		const joined = event('participant_joined', roomName, participantId, Date.now() - 2000);
		expect(await post(joined, await signed(joined))).toEqual({ status: 200, body: { ok: true, recorded: true } });
		const left = event('participant_left', roomName, participantId, Date.now());
		expect(await post(left, await signed(left))).toEqual({ status: 200, body: { ok: true, recorded: true } });
		expect(await leftAt()).not.toBeNull();
		const timeline = (await listConsultEvents(t.database.db, consultId)).filter((e) => e.source === 'livekit').map((e) => e.kind);
		expect(timeline).toEqual(['joined', 'left']);
		// The same request again (a replay) is refused.
		expect(await post(left, await signed(left))).toMatchObject({ status: 401, body: { ok: false } });
		const elsewhere = event('participant_joined', 'consult-someone-elses-room', participantId);
		expect(await post(elsewhere, await signed(elsewhere))).toEqual({ status: 200, body: { ok: true, recorded: false } });
	});
});
