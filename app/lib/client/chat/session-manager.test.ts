/**
 * The session manager between real crypto and an in-memory stand-in for the server's key and
 * message handlers (the server's own behaviour is tested by its integration tests; here it only
 * has to keep the contract's refusals: unknown/stale session, replay). Real libsodium, real
 * WebCrypto key stores.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeviceKeys, createIdentity, ready, signDevice } from '$lib/chat/crypto';
import type { ChatErrorCode, DeviceKeys, KeyBackup, MessageEnvelope, StoredMessage, ToDeviceMessage, UserKeys } from '$lib/chat/protocol';
import { ChatRequestError, type ChatRequestName, type ChatRequestPayload, type ChatRequestResult, type ChatTransport } from './chat-socket';
import { restoreDevice, setUpDevice } from './device-setup';
import { ChatKeyStore, generateWrappingKey, memoryBackend, type DeviceRecord } from './key-store';
import { SessionManager } from './session-manager';

const conversationId = '00000000-0000-4000-8000-0000000000c1';

interface Person {
	userId: string;
	identity: { publicKey: string; secretKey: string } | null;
	devices: (DeviceKeys & { revoked?: boolean })[];
	backup: KeyBackup | null;
	backedUpKeys: { conversationId: string; sessionId: string; sealed: string }[];
}

/** Just enough of the server: who is a member, which devices are signed, sessions and their epochs. */
class FakeServer {
	people = new Map<string, Person>();
	members: string[] = [];
	epoch = 0;
	sessions = new Map<string, { epoch: number; lastIndex: number; deviceId: string }>();
	messages: StoredMessage[] = [];
	toDevice: (ToDeviceMessage & { recipientDeviceId: string })[] = [];
	sendRefusals: ChatErrorCode[] = [];
	#ids = 0;

	person(userId: string): Person {
		let person = this.people.get(userId);
		if (!person) this.people.set(userId, (person = { userId, identity: null, devices: [], backup: null, backedUpKeys: [] }));
		return person;
	}

	transport(userId: string, deviceId: () => string | null): ChatTransport {
		const handle = (event: ChatRequestName, payload: unknown): unknown => this.#handle(userId, deviceId(), event, payload);
		return {
			request: async <E extends ChatRequestName>(event: E, payload: ChatRequestPayload<E>) => {
				const reply = handle(event, structuredClone(payload));
				return structuredClone(reply) as ChatRequestResult<E>;
			},
			on: () => {},
			off: () => {},
			onReconnect: () => () => {}
		};
	}

	#refuse(code: ChatErrorCode): never {
		throw new ChatRequestError(`refused: ${code}`, code);
	}

	#handle(userId: string, deviceId: string | null, event: ChatRequestName, payload: unknown): unknown {
		const me = this.person(userId);
		const p = payload as Record<string, any>;
		switch (event) {
			case 'keys:device-id':
				return { ok: true, deviceId: `00000000-0000-4000-8000-${String(++this.#ids).padStart(12, '0')}` };
			case 'keys:setup':
				me.identity = { publicKey: p.identityKey, secretKey: '' };
				me.backup = p.backup;
				me.devices.push({ ...p.device, userId });
				return { ok: true, device: { ...p.device, userId } };
			case 'keys:status':
				return { ok: true, identityKey: me.identity?.publicKey ?? null, hasBackup: !!me.backup, devices: me.devices.filter((d) => !d.revoked) };
			case 'keys:backup':
				return me.backup ? { ok: true, backup: me.backup } : this.#refuse('not_found');
			case 'keys:register-device':
				me.devices.push({ ...p.device, userId, signature: p.device.signature ?? null });
				return { ok: true, device: { ...p.device, userId } };
			case 'keys:conversation-keys': {
				const users: UserKeys[] = this.members.map((memberId) => {
					const person = this.person(memberId);
					return {
						userId: memberId,
						displayName: memberId,
						identityKey: person.identity?.publicKey ?? null,
						devices: person.devices.filter((d) => !d.revoked && d.signature),
						verifiedByMe: false
					};
				});
				return { ok: true, users };
			}
			case 'keys:compliance-key':
				return { ok: true, key: null };
			case 'keys:share-room-key':
			case 'keys:share-more':
				if (event === 'keys:share-room-key') this.sessions.set(p.sessionId, { epoch: this.epoch, lastIndex: -1, deviceId: deviceId! });
				for (const share of p.shares) {
					this.toDevice.push({
						id: ++this.#ids,
						kind: 'room_key',
						senderDeviceId: deviceId!,
						senderUserId: userId,
						conversationId: p.conversationId,
						sessionId: p.sessionId,
						payload: share.payload,
						createdAt: new Date().toISOString(),
						recipientDeviceId: share.deviceId
					});
				}
				if (p.backupShare) me.backedUpKeys.push({ conversationId: p.conversationId, sessionId: p.sessionId, sealed: p.backupShare });
				return event === 'keys:share-room-key' ? { ok: true, keyEpoch: this.epoch } : { ok: true };
			case 'keys:backup-room-key':
				me.backedUpKeys.push({ conversationId: p.conversationId, sessionId: p.sessionId, sealed: p.sealed });
				return { ok: true };
			case 'keys:backup-room-keys':
				return { ok: true, keys: me.backedUpKeys };
			case 'chat:send': {
				const refusal = this.sendRefusals.shift();
				if (refusal) this.#refuse(refusal);
				const envelope = p.envelope as MessageEnvelope;
				const session = this.sessions.get(envelope.sessionId);
				if (!session || session.deviceId !== deviceId) this.#refuse('unknown_session');
				if (session.epoch < this.epoch) this.#refuse('stale_session');
				if (envelope.index <= session.lastIndex) this.#refuse('replay');
				session.lastIndex = envelope.index;
				const message: StoredMessage = {
					messageId: `msg-${++this.#ids}`,
					seq: this.messages.length + 1,
					senderUserId: userId,
					senderDisplayName: userId,
					envelope,
					retractedAt: null,
					sentAt: new Date().toISOString()
				};
				this.messages.push(message);
				return { ok: true, message };
			}
			default:
				throw new Error(`The fake server does not handle ${event}.`);
		}
	}

	inboxOf(deviceId: string): ToDeviceMessage[] {
		return this.toDevice.filter((message) => message.recipientDeviceId === deviceId);
	}
}

async function newStore(): Promise<ChatKeyStore> {
	return new ChatKeyStore(memoryBackend(), await generateWrappingKey());
}

/** A person with an identity and one signed device, registered straight on the fake server. */
function enrol(server: FakeServer, userId: string, options: { forgedSignature?: boolean } = {}) {
	const person = server.person(userId);
	person.identity ??= createIdentity();
	const keys = createDeviceKeys();
	const deviceId = `00000000-0000-4000-8000-${String(server.people.size).padStart(6, '0')}${String(person.devices.length).padStart(6, '0')}`;
	const fields = { userId, deviceId, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey };
	const signer = options.forgedSignature ? createIdentity().secretKey : person.identity.secretKey;
	person.devices.push({ ...fields, signature: signDevice(signer, fields), label: 'test' });
	const device: DeviceRecord = { deviceId, userId, signing: keys.signing, box: keys.box, signed: true, label: 'test' };
	return device;
}

async function managerFor(server: FakeServer, device: DeviceRecord, arrived: string[] = []) {
	const store = await newStore();
	const manager = new SessionManager({
		transport: server.transport(device.userId, () => device.deviceId),
		store,
		userId: device.userId,
		device,
		backupPublicKey: null,
		onKeyArrived: (sessionId) => arrived.push(sessionId)
	});
	return { manager, store };
}

async function deliverKeys(server: FakeServer, manager: SessionManager, deviceId: string): Promise<boolean[]> {
	const results: boolean[] = [];
	for (const message of server.inboxOf(deviceId)) results.push(await manager.receiveRoomKey(message));
	server.toDevice = server.toDevice.filter((message) => message.recipientDeviceId !== deviceId);
	return results;
}

const content = (body: string) => ({ body, composedAt: 1 });

beforeAll(async () => {
	await ready();
});

describe('SessionManager', () => {
	it('shares the room key only with signed member devices, and the recipient decrypts and verifies', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const forged = enrol(server, 'bob', { forgedSignature: true });
		const a = await managerFor(server, alice);
		const b = await managerFor(server, bob);

		const stored = await a.manager.send(conversationId, 0, content('Potassium 6.1, please call'));
		expect(server.inboxOf(forged.deviceId)).toEqual([]);
		expect(server.inboxOf(alice.deviceId)).toEqual([]);
		expect(await deliverKeys(server, b.manager, bob.deviceId)).toEqual([true]);
		expect(await b.manager.decrypt(stored, conversationId)).toEqual({ kind: 'ok', content: content('Potassium 6.1, please call') });
		// The sender reads its own history with the copy it kept.
		expect(await a.manager.decrypt(stored, conversationId)).toMatchObject({ kind: 'ok' });
	});

	it('holds a message whose key has not arrived, and says when it does', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const arrived: string[] = [];
		const b = await managerFor(server, bob, arrived);
		const stored = await a.manager.send(conversationId, 0, content('later'));
		expect(await b.manager.decrypt(stored, conversationId)).toEqual({ kind: 'pending' });
		await deliverKeys(server, b.manager, bob.deviceId);
		expect(arrived).toEqual([stored.envelope.sessionId]);
		expect(await b.manager.decrypt(stored, conversationId)).toMatchObject({ kind: 'ok' });
	});

	it('drops a replayed (session, index) under another message id, but not the same message fetched twice', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const b = await managerFor(server, bob);
		const stored = await a.manager.send(conversationId, 0, content('once'));
		await deliverKeys(server, b.manager, bob.deviceId);
		expect(await b.manager.decrypt(stored, conversationId)).toMatchObject({ kind: 'ok' });
		expect(await b.manager.decrypt(structuredClone(stored), conversationId)).toMatchObject({ kind: 'ok' });
		expect(await b.manager.decrypt({ ...stored, messageId: 'msg-replayed', seq: 99 }, conversationId)).toEqual({ kind: 'replay' });
	});

	it('keeps replay marks across a restart of the tab', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const b = await managerFor(server, bob);
		const stored = await a.manager.send(conversationId, 0, content('once'));
		await deliverKeys(server, b.manager, bob.deviceId);
		await b.manager.decrypt(stored, conversationId);
		await b.manager.flush();
		const restarted = new SessionManager({ transport: server.transport('bob', () => bob.deviceId), store: b.store, userId: 'bob', device: bob, backupPublicKey: null });
		expect(await restarted.decrypt({ ...stored, messageId: 'msg-replayed' }, conversationId)).toEqual({ kind: 'replay' });
	});

	it('shows a tampered or forged message as failed, never its content', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const b = await managerFor(server, bob);
		const stored = await a.manager.send(conversationId, 0, content('original'));
		await deliverKeys(server, b.manager, bob.deviceId);
		const flipped = stored.envelope.ciphertext.slice(0, -2) + (stored.envelope.ciphertext.endsWith('AA') ? 'AB' : 'AA');
		expect(await b.manager.decrypt({ ...stored, messageId: 'x1', envelope: { ...stored.envelope, ciphertext: flipped } }, conversationId)).toMatchObject({
			kind: 'failed'
		});
		expect(await b.manager.decrypt({ ...stored, messageId: 'x2', senderUserId: 'mallory' }, conversationId)).toMatchObject({ kind: 'failed' });
		expect(await b.manager.decrypt(stored, 'another-conversation')).toMatchObject({ kind: 'failed' });
		expect(await b.manager.decrypt({ ...stored, retractedAt: new Date().toISOString() }, conversationId)).toEqual({ kind: 'retracted' });
	});

	it('refuses a room key from a device that is not a signed device of a member', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const b = await managerFor(server, bob);
		await a.manager.send(conversationId, 0, content('hi'));
		const [share] = server.inboxOf(bob.deviceId);
		// Alice is removed before Bob fetches his inbox: her device is no longer a member's.
		server.members = ['bob'];
		expect(await b.manager.receiveRoomKey(share!)).toBe(false);
		server.members = ['alice', 'bob'];
		b.manager.invalidateKeys();
		// A share whose to-device row names another sender fails the signature check.
		expect(await b.manager.receiveRoomKey({ ...share!, senderDeviceId: bob.deviceId, senderUserId: 'bob' })).toBe(false);
		expect(await b.manager.receiveRoomKey(share!)).toBe(true);
	});

	it('rotates after a stale_session refusal and shares the new key only with the devices that remain', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob', 'carol'];
		const alice = enrol(server, 'alice');
		const bob = enrol(server, 'bob');
		const carol = enrol(server, 'carol');
		const a = await managerFor(server, alice);
		const first = await a.manager.send(conversationId, 0, content('before'));
		expect(server.inboxOf(carol.deviceId)).toHaveLength(1);
		server.toDevice = [];

		// Carol is removed: the server bumps the epoch; Alice's tab has not heard yet (still says epoch 0).
		server.members = ['alice', 'bob'];
		server.epoch = 1;
		const second = await a.manager.send(conversationId, 0, content('after'));
		expect(second.envelope.sessionId).not.toBe(first.envelope.sessionId);
		expect(server.inboxOf(carol.deviceId)).toEqual([]);
		expect(server.inboxOf(bob.deviceId)).toHaveLength(1);

		const c = await managerFor(server, carol);
		expect(await c.manager.decrypt(second, conversationId)).toEqual({ kind: 'pending' });
	});

	it('gives a device that appeared since the existing key from the next message on (share-more)', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const alice = enrol(server, 'alice');
		enrol(server, 'bob');
		const a = await managerFor(server, alice);
		const first = await a.manager.send(conversationId, 0, content('one'));
		const laptop = enrol(server, 'bob');
		a.manager.invalidateKeys(conversationId);
		const second = await a.manager.send(conversationId, 0, content('two'));
		expect(second.envelope.sessionId).toBe(first.envelope.sessionId);
		const l = await managerFor(server, laptop);
		expect(await deliverKeys(server, l.manager, laptop.deviceId)).toEqual([true]);
		expect(await l.manager.decrypt(second, conversationId)).toMatchObject({ kind: 'ok' });
		expect(await l.manager.decrypt(first, conversationId)).toMatchObject({ kind: 'failed' });
	});

	it('shows a refusal that a new session cannot fix, after one retry at most', async () => {
		const server = new FakeServer();
		server.members = ['alice'];
		const alice = enrol(server, 'alice');
		const a = await managerFor(server, alice);
		server.sendRefusals = ['read_only'];
		await expect(a.manager.send(conversationId, 0, content('x'))).rejects.toMatchObject({ code: 'read_only' });
		server.sendRefusals = ['stale_session', 'stale_session'];
		await expect(a.manager.send(conversationId, 0, content('x'))).rejects.toMatchObject({ code: 'stale_session' });
		const before = await a.manager.send(conversationId, 0, content('y'));
		server.sendRefusals = ['stale_session'];
		const after = await a.manager.send(conversationId, 0, content('z'));
		expect(after.envelope.sessionId).not.toBe(before.envelope.sessionId);
	});

	it('rotates when the server says the session is stale even though the devices look the same', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob', 'dave'];
		const alice = enrol(server, 'alice');
		enrol(server, 'bob');
		// Dave never set up secure messaging: removing him changes no device list, only the epoch.
		const a = await managerFor(server, alice);
		const first = await a.manager.send(conversationId, 0, content('one'));
		server.members = ['alice', 'bob'];
		server.epoch = 1;
		const second = await a.manager.send(conversationId, 0, content('two'));
		expect(second.envelope.sessionId).not.toBe(first.envelope.sessionId);
		// Known epoch from now on: no refusal, no new session.
		const third = await a.manager.send(conversationId, 1, content('three'));
		expect(third.envelope.sessionId).toBe(second.envelope.sessionId);
	});
});

describe('device set-up and restore', () => {
	it('a restored device reads earlier messages from the key backup; a wrong passphrase stores nothing', async () => {
		const server = new FakeServer();
		server.members = ['alice', 'bob'];
		const passphrase = 'correct horse battery staple';
		const aliceStore = await newStore();
		let aliceDeviceId: string | null = null;
		const ready1 = await setUpDevice({ transport: server.transport('alice', () => aliceDeviceId), store: aliceStore, userId: 'alice' }, passphrase);
		aliceDeviceId = ready1.device.deviceId;
		const bob = enrol(server, 'bob');
		const b = await managerFor(server, bob);
		const phone = new SessionManager({
			transport: server.transport('alice', () => aliceDeviceId),
			store: aliceStore,
			userId: 'alice',
			device: ready1.device,
			backupPublicKey: ready1.backupPublicKey
		});
		const fromBob = await b.manager.send(conversationId, 0, content('from bob'));
		await deliverKeys(server, phone, ready1.device.deviceId);
		const fromAlice = await phone.send(conversationId, 0, content('from alice'));
		expect(await phone.decrypt(fromBob, conversationId)).toMatchObject({ kind: 'ok' });

		const laptopStore = await newStore();
		let laptopId: string | null = null;
		const laptopContext = { transport: server.transport('alice', () => laptopId), store: laptopStore, userId: 'alice' };
		await expect(restoreDevice(laptopContext, 'wrong passphrase entirely')).rejects.toThrow('That passphrase does not unlock your key backup.');
		expect(await laptopStore.device()).toBeNull();
		expect(server.person('alice').devices).toHaveLength(1);

		const restored = await restoreDevice(laptopContext, passphrase);
		laptopId = restored.device.deviceId;
		expect(restored.device.signed).toBe(true);
		expect(server.person('alice').devices).toHaveLength(2);
		const laptop = new SessionManager({ ...laptopContext, device: restored.device, backupPublicKey: restored.backupPublicKey });
		expect(await laptop.restoreFromBackup(restored.backupPublicKey, restored.backupSecretKey)).toBe(2);
		expect(await laptop.decrypt(fromBob, conversationId)).toEqual({ kind: 'ok', content: content('from bob') });
		expect(await laptop.decrypt(fromAlice, conversationId)).toEqual({ kind: 'ok', content: content('from alice') });
	});

	it('refuses a passphrase shorter than the minimum before making any key', async () => {
		const server = new FakeServer();
		const store = await newStore();
		await expect(setUpDevice({ transport: server.transport('alice', () => null), store, userId: 'alice' }, 'short')).rejects.toThrow('at least 12 characters');
		expect(await store.identity()).toBeNull();
		expect(server.person('alice').identity).toBeNull();
	});
});
