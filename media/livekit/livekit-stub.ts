/**
 * A named fake for a boundary that cannot run here: a LiveKit server's Twirp API (RoomService,
 * Egress) on node:http, port 0. It records every call — path, bearer token's grants (verified
 * with our secret, as LiveKit does) and JSON body — and answers as LiveKit does, including
 * Twirp errors, so rooms.ts and egress.ts are exercised through the real livekit-server-sdk.
 * Test-only; nothing in the app imports it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerifier, type ClaimGrants } from 'livekit-server-sdk';
import type { LivekitConfig } from './livekit-config';

export interface StubCall {
	path: string;
	contentType: string | undefined;
	body: Record<string, unknown>;
	/** The verified bearer token's claims; null when it was missing or did not verify. */
	grants: ClaimGrants | null;
}

export interface LivekitStub {
	livekit: LivekitConfig;
	calls: StubCall[];
	/** Makes the next call to this method answer with a Twirp error. */
	failNext(method: string, error: { status: number; code: string; msg: string }): void;
	close(): Promise<void>;
}

export async function startLivekitStub(credentials: { apiKey: string; apiSecret: string }): Promise<LivekitStub> {
	const verifier = new TokenVerifier(credentials.apiKey, credentials.apiSecret);
	const calls: StubCall[] = [];
	const failures = new Map<string, { status: number; code: string; msg: string }>();
	const rooms = new Map<string, Record<string, unknown>>();
	const egresses = new Map<string, string>();

	const twirpError = (res: ServerResponse, status: number, code: string, msg: string) => {
		res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, msg }));
	};

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		let body: Record<string, unknown> = {};
		try {
			body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
		} catch {
			return twirpError(res, 400, 'malformed', 'body is not JSON');
		}
		const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
		const grants = bearer ? await verifier.verify(bearer).catch(() => null) : null;
		const path = req.url ?? '';
		calls.push({ path, contentType: req.headers['content-type'], body, grants });
		if (req.method !== 'POST') return twirpError(res, 405, 'bad_route', 'POST only');
		if (!grants) return twirpError(res, 401, 'unauthenticated', 'invalid token');
		const method = path.split('/').pop() ?? '';
		const failure = failures.get(method);
		if (failure) {
			failures.delete(method);
			return twirpError(res, failure.status, failure.code, failure.msg);
		}
		const video = grants.video ?? {};
		const ok = (payload: unknown): void => {
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
		};
		switch (path) {
			case '/twirp/livekit.RoomService/CreateRoom': {
				if (!video.roomCreate) return twirpError(res, 403, 'permission_denied', 'needs roomCreate');
				const name = String(body.name ?? '');
				const room = rooms.get(name) ?? { sid: `RM_${rooms.size + 1}`, name, maxParticipants: body.maxParticipants, emptyTimeout: body.emptyTimeout };
				rooms.set(name, room);
				return ok(room);
			}
			case '/twirp/livekit.RoomService/DeleteRoom': {
				if (!video.roomCreate) return twirpError(res, 403, 'permission_denied', 'needs roomCreate');
				if (!rooms.delete(String(body.room ?? ''))) return twirpError(res, 404, 'not_found', 'room not found');
				return ok({});
			}
			case '/twirp/livekit.Egress/StartRoomCompositeEgress': {
				if (!video.roomRecord) return twirpError(res, 403, 'permission_denied', 'needs roomRecord');
				const roomName = String(body.roomName ?? '');
				if (!rooms.has(roomName)) return twirpError(res, 404, 'not_found', 'requested room does not exist');
				const egressId = `EG_${egresses.size + 1}`;
				egresses.set(egressId, roomName);
				return ok({ egressId, roomName, status: 'EGRESS_STARTING' });
			}
			case '/twirp/livekit.Egress/StopEgress': {
				if (!video.roomRecord) return twirpError(res, 403, 'permission_denied', 'needs roomRecord');
				const egressId = String(body.egressId ?? '');
				const roomName = egresses.get(egressId);
				if (!roomName) return twirpError(res, 412, 'failed_precondition', 'egress not active');
				egresses.delete(egressId);
				return ok({ egressId, roomName, status: 'EGRESS_ENDING' });
			}
			default:
				return twirpError(res, 404, 'bad_route', `no handler for ${path}`);
		}
	}

	const server = createServer((req, res) => {
		handle(req, res).catch(() => twirpError(res, 500, 'internal', 'stub failure'));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		livekit: { url: `ws://127.0.0.1:${port}`, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
		calls,
		failNext: (method, error) => failures.set(method, error),
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
