import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsultRecording, stopConsultRecording } from './egress';
import { startLivekitStub, type LivekitStub } from './livekit-stub';
import { closeMediaRoom, DEPARTURE_TIMEOUT_SECONDS, EMPTY_ROOM_TIMEOUT_SECONDS, ensureMediaRoom } from './rooms';

const credentials = { apiKey: 'APIclinic', apiSecret: 'a-secret-of-at-least-thirty-two-characters' };
const roomName = 'consult-Zr5wYkD0xv6b8H3nQm1aPg';
let stub: LivekitStub;

beforeAll(async () => {
	stub = await startLivekitStub(credentials);
});
afterAll(async () => {
	await stub.close();
});
beforeEach(() => {
	stub.calls.length = 0;
});

describe('rooms (RoomService over Twirp)', () => {
	it('creates the consult room with its capacity and timeouts, under a roomCreate token', async () => {
		await ensureMediaRoom({ livekit: stub.livekit }, roomName, { maxParticipants: 4 });
		expect(stub.calls).toHaveLength(1);
		const [call] = stub.calls;
		expect(call!.path).toBe('/twirp/livekit.RoomService/CreateRoom');
		expect(call!.contentType).toMatch(/^application\/json/);
		expect(call!.body).toEqual({ name: roomName, maxParticipants: 4, emptyTimeout: EMPTY_ROOM_TIMEOUT_SECONDS, departureTimeout: DEPARTURE_TIMEOUT_SECONDS });
		expect(call!.grants?.iss).toBe(credentials.apiKey);
		expect(call!.grants?.video).toMatchObject({ roomCreate: true });
		expect(call!.grants?.video?.roomAdmin).toBeFalsy();
	});

	it('is idempotent (a second ensure is one more CreateRoom, answered with the same room)', async () => {
		await ensureMediaRoom({ livekit: stub.livekit }, roomName, { maxParticipants: 4 });
		expect(stub.calls.map((c) => c.path)).toEqual(['/twirp/livekit.RoomService/CreateRoom']);
	});

	it('closes the room (DeleteRoom), and a room already gone is not an error', async () => {
		await closeMediaRoom({ livekit: stub.livekit }, roomName);
		await closeMediaRoom({ livekit: stub.livekit }, roomName);
		expect(stub.calls.map((c) => [c.path, c.body])).toEqual([
			['/twirp/livekit.RoomService/DeleteRoom', { room: roomName }],
			['/twirp/livekit.RoomService/DeleteRoom', { room: roomName }]
		]);
		expect(stub.calls[0]!.grants?.video).toMatchObject({ roomCreate: true });
	});

	it('surfaces a media server failure to the caller (which keeps the consult and logs it)', async () => {
		stub.failNext('CreateRoom', { status: 400, code: 'invalid_argument', msg: 'bad room' });
		await expect(ensureMediaRoom({ livekit: stub.livekit }, roomName, { maxParticipants: 4 })).rejects.toThrow(/bad room/);
	});

	it('does nothing at all when LiveKit is not configured', async () => {
		await ensureMediaRoom({ livekit: undefined }, roomName, { maxParticipants: 4 });
		await closeMediaRoom({}, roomName);
		expect(stub.calls).toHaveLength(0);
	});
});

describe('recording (Egress over Twirp)', () => {
	it('starts a room composite into an MP4 file under a roomRecord token, and stops it by id', async () => {
		await ensureMediaRoom({ livekit: stub.livekit }, roomName, { maxParticipants: 2 });
		stub.calls.length = 0;
		const egressId = await startConsultRecording(stub.livekit, roomName);
		expect(egressId).toMatch(/^EG_/);
		const [start] = stub.calls;
		expect(start!.path).toBe('/twirp/livekit.Egress/StartRoomCompositeEgress');
		expect(start!.body).toMatchObject({ roomName, layout: 'grid', file: { fileType: 'MP4', filepath: `consults/${roomName}-{time}.mp4` } });
		expect(start!.grants?.video).toMatchObject({ roomRecord: true });

		await stopConsultRecording(stub.livekit, egressId);
		expect(stub.calls[1]).toMatchObject({ path: '/twirp/livekit.Egress/StopEgress', body: { egressId } });
		expect(stub.calls[1]!.grants?.video).toMatchObject({ roomRecord: true });
		// Stopping what has already ended is what was wanted: no error.
		await expect(stopConsultRecording(stub.livekit, egressId)).resolves.toBeUndefined();
	});

	it('refuses to start when the media server says no (no egress id is invented)', async () => {
		await expect(startConsultRecording(stub.livekit, 'consult-no-such-room')).rejects.toThrow(/does not exist/);
	});
});
