import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageEnvelope } from '../protocol';
import { createDeviceKeys } from './device-keys';
import { envelopeSignedBytes, signEnvelope, verifyEnvelope } from './envelope';
import { BadSignature, DecryptionFailed } from './errors';
import { decryptEnvelope, openEnvelope, OutboundSession } from './group-session';
import { SeenIndexes } from './replay';
import { b64, fromB64, ready, utf8 } from './sodium';

beforeAll(async () => {
	await ready();
});

function setUp() {
	const device = createDeviceKeys();
	const session = OutboundSession.create('conversation-1', 'device-1');
	const roomKey = session.roomKey('user-1');
	return { device, session, roomKey, key: { roomKey, senderSigningKey: device.signing.publicKey } };
}

const content = { body: 'BP 120/80 after the second dose', composedAt: 1_700_000_000_000 };

describe('group session messages', () => {
	it('round trip: the recipient with the room key reads the message, indexes count up from 0', () => {
		const { device, session, key } = setUp();
		const first = session.encrypt(content, device.signing.secretKey);
		const second = session.encrypt({ body: 'and again', replyTo: 'm1', composedAt: 2 }, device.signing.secretKey);
		expect([first.index, second.index]).toEqual([0, 1]);
		expect(first.sessionId).toBe(session.sessionId);
		expect(verifyEnvelope(first, device.signing.publicKey)).toBe(true);
		expect(openEnvelope(first, key)).toEqual(content);
		expect(openEnvelope(second, key)).toEqual({ body: 'and again', replyTo: 'm1', composedAt: 2 });
		expect(Buffer.from(fromB64(first.ciphertext)).toString('latin1')).not.toContain('second dose');
	});

	it('each index has its own key: the same text encrypts differently', () => {
		const { device, session } = setUp();
		const a = session.encrypt(content, device.signing.secretKey);
		const b = session.encrypt(content, device.signing.secretKey);
		expect(a.ciphertext).not.toBe(b.ciphertext);
	});

	it('an exported and imported session continues at the next index with the same key', () => {
		const { device, session, key } = setUp();
		session.encrypt(content, device.signing.secretKey);
		const restored = OutboundSession.import(JSON.parse(JSON.stringify(session.export())));
		const next = restored.encrypt(content, device.signing.secretKey);
		expect(next.index).toBe(1);
		expect(openEnvelope(next, key)).toEqual(content);
	});

	it('a flipped ciphertext byte fails the AEAD (even when re-signed by the sender)', () => {
		const { device, session, roomKey } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		const bytes = fromB64(envelope.ciphertext);
		bytes[30]! ^= 0x01;
		const tampered = signEnvelope({ ...envelope, ciphertext: b64(bytes) }, device.signing.secretKey);
		expect(() => decryptEnvelope(tampered, roomKey.sessionKey)).toThrow(DecryptionFailed);
		const unsigned = { ...envelope, ciphertext: b64(bytes) };
		expect(verifyEnvelope(unsigned, device.signing.publicKey)).toBe(false);
	});

	it.each([
		['conversationId', 'conversation-2'],
		['sessionId', 'another-session'],
		['index', 5],
		['senderDeviceId', 'device-2']
	] as const)('a message moved to another %s fails the signature and the AEAD', (field, value) => {
		const { device, session, roomKey, key } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		const moved = { ...envelope, [field]: value } as MessageEnvelope;
		expect(verifyEnvelope(moved, device.signing.publicKey)).toBe(false);
		expect(() => openEnvelope(moved, key)).toThrow(BadSignature);
		// A sender who re-signs the moved header still cannot make the ciphertext open there.
		const resigned = signEnvelope(moved, device.signing.secretKey);
		expect(verifyEnvelope(resigned, device.signing.publicKey)).toBe(true);
		expect(() => decryptEnvelope(resigned, roomKey.sessionKey)).toThrow(DecryptionFailed);
	});

	it('a forged signature (another device key) is refused', () => {
		const { device, session, key } = setUp();
		const attacker = createDeviceKeys();
		const envelope = session.encrypt(content, device.signing.secretKey);
		const forged = signEnvelope(envelope, attacker.signing.secretKey);
		expect(verifyEnvelope(forged, device.signing.publicKey)).toBe(false);
		expect(() => openEnvelope(forged, key)).toThrow(BadSignature);
		expect(verifyEnvelope({ ...envelope, signature: 'AAAA' }, device.signing.publicKey)).toBe(false);
	});

	it('the signed bytes are the header, a newline and the base64 ciphertext', () => {
		const { device, session } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		const expected = utf8(`clinicsync-msg-v1\nconversation-1\ndevice-1\n${session.sessionId}\n0\n${envelope.ciphertext}`);
		expect(envelopeSignedBytes(envelope)).toEqual(expected);
	});

	it('malformed envelopes are refused, never crash the verifier', () => {
		const { device, session } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		for (const bad of [
			{ ...envelope, index: -1 },
			{ ...envelope, index: 1.5 },
			{ ...envelope, conversationId: 'a\nb' },
			{ ...envelope, ciphertext: 42 as unknown as string },
			null as unknown as MessageEnvelope
		]) {
			expect(verifyEnvelope(bad, device.signing.publicKey)).toBe(false);
		}
	});

	it('the wrong session key does not open a message', () => {
		const { device, session } = setUp();
		const other = OutboundSession.create('conversation-1', 'device-1');
		const envelope = session.encrypt(content, device.signing.secretKey);
		expect(() => decryptEnvelope(envelope, other.sessionKey)).toThrow(DecryptionFailed);
	});

	it('a room key shared from index n does not open earlier messages', () => {
		const { device, session } = setUp();
		const early = session.encrypt(content, device.signing.secretKey);
		const laterKey = { roomKey: session.roomKey('user-1'), senderSigningKey: device.signing.publicKey };
		const late = session.encrypt(content, device.signing.secretKey);
		expect(openEnvelope(late, laterKey)).toEqual(content);
		expect(() => openEnvelope(early, laterKey)).toThrow(DecryptionFailed);
	});

	it('a key for another conversation, session or device is refused before decrypting', () => {
		const { device, session, roomKey } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		for (const wrong of [{ conversationId: 'x' }, { sessionId: 'x' }, { senderDeviceId: 'x' }]) {
			expect(() => openEnvelope(envelope, { roomKey: { ...roomKey, ...wrong }, senderSigningKey: device.signing.publicKey })).toThrow(
				DecryptionFailed
			);
		}
	});

	it('decrypted content that is not a message is refused', () => {
		// A malicious member could seal arbitrary JSON; the recipient checks the shape.
		const { device, session, roomKey } = setUp();
		const envelope = session.encrypt({ body: 7 } as unknown as typeof content, device.signing.secretKey);
		expect(() => decryptEnvelope(envelope, roomKey.sessionKey)).toThrow(DecryptionFailed);
	});
});

describe('replay detection on the recipient', () => {
	it('SeenIndexes rejects a (session, index) seen before, accepts new ones and other sessions', () => {
		const seen = new SeenIndexes();
		expect(seen.accept('s1', 0)).toBe(true);
		expect(seen.accept('s1', 1)).toBe(true);
		expect(seen.accept('s1', 0)).toBe(false);
		expect(seen.accept('s2', 0)).toBe(true);
		// Out of order (a history page loaded after live messages) is fine.
		expect(seen.accept('s1', 7)).toBe(true);
		expect(seen.accept('s1', 5)).toBe(true);
		expect(seen.has('s1', 5)).toBe(true);
	});

	it('the same stored message fetched again is not a replay; another message at that index is', () => {
		const seen = new SeenIndexes();
		expect(seen.accept('s1', 0, 'm1')).toBe(true);
		expect(seen.accept('s1', 0, 'm1')).toBe(true);
		expect(seen.accept('s1', 0, 'm2')).toBe(false);
		const restored = SeenIndexes.fromJSON(JSON.parse(JSON.stringify(seen)));
		expect(restored.accept('s1', 0, 'm2')).toBe(false);
		expect(restored.accept('s1', 1, 'm3')).toBe(true);
	});

	it('openEnvelope drops a replayed envelope delivered under a new message id', () => {
		const { device, session, key } = setUp();
		const envelope = session.encrypt(content, device.signing.secretKey);
		const indexes = new SeenIndexes();
		expect(openEnvelope(envelope, key, { indexes, messageId: 'm1' })).toEqual(content);
		expect(openEnvelope(envelope, key, { indexes, messageId: 'm1' })).toEqual(content);
		expect(() => openEnvelope(envelope, key, { indexes, messageId: 'm-replayed' })).toThrow(/replay/);
	});
});
