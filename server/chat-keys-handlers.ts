/**
 * socket.io handlers of every 'keys:*' event: identities, devices, key backup, room-key shares
 * and the to-device queue. Thin: each validates nothing itself, calls one domain module with the
 * socket's actor (and claimed device), and answers with a ChatAck. Rooms: every socket is in
 * `user:<id>` (realtime.ts); a socket that claimed a device is also in `device:<deviceId>`, where
 * that device's to-device messages arrive live.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Database } from '../db/client';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../app/lib/realtime/events';
import type { ChatAck } from '../app/lib/chat/protocol';
import type { AppConfig } from '../app/lib/server/platform/config';
import type { Logger } from '../app/lib/server/platform/logger';
import { ChatRefusal, refusalAck } from '../app/lib/server/messaging/errors';
import {
	approveDevice,
	freshDeviceId,
	listDevices,
	peersOf,
	registerDevice,
	requireOwnDevice,
	revokeDevice
} from '../app/lib/server/messaging/devices';
import { backUpRoomKey, backedUpRoomKeys, fetchBackup, keyStatus, setUpKeys } from '../app/lib/server/messaging/key-backup';
import { acknowledgeInbox, readInbox, toDeviceMessage } from '../app/lib/server/messaging/to-device';
import { shareMore, shareRoomKey, type Delivery } from '../app/lib/server/messaging/room-keys';
import { conversationKeys, userKeys, verifyUser } from '../app/lib/server/messaging/verification';
import { currentComplianceKey } from '../app/lib/server/messaging/compliance';

type KeysServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type KeysSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ChatKeyHandlerDeps {
	db: Database;
	logger: Logger;
	config: AppConfig;
}

export const deviceRoom = (deviceId: string) => `device:${deviceId}`;
const userRoom = (userId: string) => `user:${userId}`;
const claimSchema = z.object({ deviceId: z.string().uuid('Name the device this browser uses.') }).strict();

export function registerChatKeyHandlers(io: KeysServer, socket: KeysSocket, deps: ChatKeyHandlerDeps): void {
	const { db, logger } = deps;
	const actor = () => socket.data.actor;
	const claimed = () => socket.data.chatDeviceId ?? null;

	/** Runs one request; a refusal becomes its sentence and code, anything else is logged and answered generically. */
	function handle<P, R extends object>(event: string, run: (payload: P) => Promise<R>) {
		return (payload: P, ack: (reply: ChatAck<R>) => void) => {
			const reply = typeof ack === 'function' ? ack : () => {};
			run(payload).then(
				(result) => reply({ ok: true, ...result }),
				(error: unknown) => {
					const refusal = refusalAck(error);
					if (refusal) return reply(refusal);
					const err = error as Error;
					logger.error({ event, err: { name: err?.name, message: err?.message } }, 'chat key handler failed');
					reply({ ok: false, error: 'Something went wrong on our side. Try again.', code: 'invalid' });
				}
			);
		};
	}

	const deliver = (deliveries: Delivery[]) => {
		for (const d of deliveries) io.to(deviceRoom(d.recipientDeviceId)).emit('keys:to-device', d.message);
	};
	/** Everyone who shares a conversation with this person refetches their keys. */
	const announceDevicesChanged = async (userId: string) => {
		const peers = await peersOf(db, userId);
		io.to(peers.map(userRoom)).emit('keys:devices-changed', { userId });
	};

	socket.on('keys:status', handle('keys:status', async () => keyStatus(db, actor())));

	socket.on('keys:device-id', handle('keys:device-id', async () => ({ deviceId: freshDeviceId() })));

	socket.on(
		'keys:setup',
		handle('keys:setup', async (payload: unknown) => {
			const result = await setUpKeys(db, actor(), payload);
			if (result.reset) {
				// The old devices are revoked: none of their sockets may keep acting for them.
				if (claimed() && claimed() !== result.device.deviceId) await leaveClaim();
			}
			await announceDevicesChanged(actor().userId);
			return { device: result.device };
		})
	);

	socket.on('keys:backup', handle('keys:backup', async () => ({ backup: await fetchBackup(db, actor()) })));

	socket.on(
		'keys:register-device',
		handle('keys:register-device', async (payload: unknown) => {
			const device = await registerDevice(db, actor(), (payload as { device?: unknown } | null)?.device);
			if (device.signature) {
				await announceDevicesChanged(actor().userId);
			} else {
				const approvers = (await listDevices(db, actor().userId)).filter((d) => d.signature && d.deviceId !== device.deviceId);
				if (approvers.length > 0) io.to(approvers.map((d) => deviceRoom(d.deviceId))).emit('keys:device-requested', { device });
			}
			return { device };
		})
	);

	const leaveClaim = async () => {
		const previous = claimed();
		if (previous) await socket.leave(deviceRoom(previous));
		socket.data.chatDeviceId = null;
	};

	socket.on(
		'keys:claim-device',
		handle('keys:claim-device', async (payload: unknown) => {
			const parsed = claimSchema.safeParse(payload);
			if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'Name the device.');
			// Unsigned devices claim too: their approval's secrets arrive in their room.
			const device = await requireOwnDevice(db, actor(), parsed.data.deviceId, { signed: false });
			if (claimed() !== device.id) await leaveClaim();
			if (socket.disconnected) return {};
			socket.data.chatDeviceId = device.id;
			await socket.join(deviceRoom(device.id));
			return {};
		})
	);

	socket.on(
		'keys:approve-device',
		handle('keys:approve-device', async (payload: unknown) => {
			const row = await approveDevice(db, actor(), claimed(), payload);
			io.to(deviceRoom(row.recipientDeviceId)).emit('keys:to-device', toDeviceMessage(row, actor().userId));
			await announceDevicesChanged(actor().userId);
			return {};
		})
	);

	socket.on(
		'keys:revoke-device',
		handle('keys:revoke-device', async (payload: unknown) => {
			const { deviceId } = await revokeDevice(db, actor(), payload);
			// Its sockets stop receiving at once; every later request from them is refused as revoked.
			io.in(deviceRoom(deviceId)).socketsLeave(deviceRoom(deviceId));
			if (claimed() === deviceId) socket.data.chatDeviceId = null;
			await announceDevicesChanged(actor().userId);
			return {};
		})
	);

	socket.on('keys:conversation-keys', handle('keys:conversation-keys', async (payload: unknown) => ({ users: await conversationKeys(db, actor(), payload) })));
	socket.on('keys:user-keys', handle('keys:user-keys', async (payload: unknown) => ({ user: await userKeys(db, actor(), payload) })));
	socket.on(
		'keys:verify-user',
		handle('keys:verify-user', async (payload: unknown) => {
			await verifyUser(db, actor(), payload);
			return {};
		})
	);

	socket.on(
		'keys:share-room-key',
		handle('keys:share-room-key', async (payload: unknown) => {
			const { keyEpoch, deliveries } = await shareRoomKey(db, actor(), claimed(), payload);
			deliver(deliveries);
			return { keyEpoch };
		})
	);
	socket.on(
		'keys:share-more',
		handle('keys:share-more', async (payload: unknown) => {
			const { deliveries } = await shareMore(db, actor(), claimed(), payload);
			deliver(deliveries);
			return {};
		})
	);

	socket.on('keys:inbox', handle('keys:inbox', async (payload: unknown) => ({ messages: await readInbox(db, actor(), claimed(), payload) })));
	socket.on(
		'keys:inbox-ack',
		handle('keys:inbox-ack', async (payload: unknown) => {
			await acknowledgeInbox(db, actor(), claimed(), payload);
			return {};
		})
	);

	socket.on(
		'keys:backup-room-key',
		handle('keys:backup-room-key', async (payload: unknown) => {
			await backUpRoomKey(db, actor(), payload);
			return {};
		})
	);
	socket.on('keys:backup-room-keys', handle('keys:backup-room-keys', async () => ({ keys: await backedUpRoomKeys(db, actor()) })));
	socket.on('keys:compliance-key', handle('keys:compliance-key', async () => ({ key: await currentComplianceKey(db) })));
}

