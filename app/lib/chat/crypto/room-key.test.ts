import { beforeAll, describe, expect, it } from 'vitest';
import { createDeviceKeys } from './device-keys';
import { BadSignature, DecryptionFailed } from './errors';
import { OutboundSession } from './group-session';
import { openRoomKey, sealRoomKey } from './room-key';
import { b64, fromB64, fromUtf8, ready, utf8 } from './sodium';

beforeAll(async () => {
	await ready();
});

function setUp() {
	const sender = createDeviceKeys();
	const recipient = createDeviceKeys();
	const session = OutboundSession.create('conversation-1', 'sender-device');
	const roomKey = session.roomKey('sender-user');
	const payload = sealRoomKey(
		roomKey,
		{ signingSecretKey: sender.signing.secretKey, boxSecretKey: sender.box.secretKey },
		{ deviceId: 'recipient-device', boxKey: recipient.box.publicKey }
	);
	const senderPublic = { signingKey: sender.signing.publicKey, boxKey: sender.box.publicKey, deviceId: 'sender-device' };
	const recipientSecret = { deviceId: 'recipient-device', boxSecretKey: recipient.box.secretKey };
	return { sender, recipient, roomKey, payload, senderPublic, recipientSecret };
}

describe('room key shares', () => {
	it('round trip: the addressed device opens the room key', () => {
		const { roomKey, payload, senderPublic, recipientSecret } = setUp();
		expect(openRoomKey(payload, recipientSecret, senderPublic, { conversationId: 'conversation-1', sessionId: roomKey.sessionId })).toEqual(
			roomKey
		);
		expect(payload).not.toContain(roomKey.sessionKey);
	});

	it('another device (wrong box key) cannot open it, even when it claims the right device id', () => {
		const { payload, senderPublic } = setUp();
		const intruder = createDeviceKeys();
		expect(() => openRoomKey(payload, { deviceId: 'recipient-device', boxSecretKey: intruder.box.secretKey }, senderPublic)).toThrow(
			DecryptionFailed
		);
	});

	it('a share redirected to another device id fails the signature', () => {
		const { payload, senderPublic, recipient } = setUp();
		expect(() => openRoomKey(payload, { deviceId: 'other-device', boxSecretKey: recipient.box.secretKey }, senderPublic)).toThrow(
			BadSignature
		);
	});

	it('a share signed by a device other than the named sender is refused', () => {
		const { payload, recipientSecret, senderPublic } = setUp();
		const impostor = createDeviceKeys();
		expect(() => openRoomKey(payload, recipientSecret, { ...senderPublic, signingKey: impostor.signing.publicKey })).toThrow(BadSignature);
	});

	it('a re-signed box from an impostor does not open against the real sender box key', () => {
		const { roomKey, recipient, recipientSecret, senderPublic } = setUp();
		const impostor = createDeviceKeys();
		const forged = sealRoomKey(
			roomKey,
			{ signingSecretKey: impostor.signing.secretKey, boxSecretKey: impostor.box.secretKey },
			{ deviceId: 'recipient-device', boxKey: recipient.box.publicKey }
		);
		expect(() => openRoomKey(forged, recipientSecret, senderPublic)).toThrow(BadSignature);
		expect(() => openRoomKey(forged, recipientSecret, { ...senderPublic, signingKey: impostor.signing.publicKey })).toThrow(DecryptionFailed);
	});

	it('a tampered box fails the signature', () => {
		const { payload, recipientSecret, senderPublic } = setUp();
		const wrapper = JSON.parse(fromUtf8(fromB64(payload)));
		const box = fromB64(wrapper.box);
		box[40]! ^= 1;
		const tampered = b64(utf8(JSON.stringify({ ...wrapper, box: b64(box) })));
		expect(() => openRoomKey(tampered, recipientSecret, senderPublic)).toThrow(BadSignature);
	});

	it('a share filed under another conversation or session is refused', () => {
		const { payload, recipientSecret, senderPublic } = setUp();
		expect(() => openRoomKey(payload, recipientSecret, senderPublic, { conversationId: 'conversation-2' })).toThrow(DecryptionFailed);
		expect(() => openRoomKey(payload, recipientSecret, senderPublic, { sessionId: 'other' })).toThrow(DecryptionFailed);
	});

	it('garbage payloads are refused with DecryptionFailed, never a crash', () => {
		const { recipientSecret, senderPublic } = setUp();
		for (const junk of ['', 'not base64!', b64(utf8('{"box":1}')), b64(utf8('[]'))]) {
			expect(() => openRoomKey(junk, recipientSecret, senderPublic)).toThrow(DecryptionFailed);
		}
	});
});
