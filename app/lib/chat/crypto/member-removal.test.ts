/**
 * Member removal at the crypto level: after the conversation's key epoch moves on, the sender
 * starts a new session and shares it only with the remaining members' devices. The removed
 * member's device keeps the old room key (nothing can take it back) but holds no share of the
 * new one, and the old key does not open anything sent in the new session.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeviceKeys, type DeviceKeyPairs } from './device-keys';
import { BadSignature, DecryptionFailed } from './errors';
import { decryptEnvelope, openEnvelope, OutboundSession } from './group-session';
import { openRoomKey, sealRoomKey } from './room-key';
import { ready } from './sodium';

beforeAll(async () => {
	await ready();
});

interface Member {
	userId: string;
	deviceId: string;
	keys: DeviceKeyPairs;
}

function member(name: string): Member {
	return { userId: `user-${name}`, deviceId: `device-${name}`, keys: createDeviceKeys() };
}

function share(session: OutboundSession, sender: Member, recipients: Member[]): Map<string, string> {
	const roomKey = session.roomKey(sender.userId, session.nextIndex);
	return new Map(
		recipients.map((r) => [
			r.deviceId,
			sealRoomKey(
				roomKey,
				{ signingSecretKey: sender.keys.signing.secretKey, boxSecretKey: sender.keys.box.secretKey },
				{ deviceId: r.deviceId, boxKey: r.keys.box.publicKey }
			)
		])
	);
}

function receive(payload: string, recipient: Member, sender: Member) {
	return openRoomKey(
		payload,
		{ deviceId: recipient.deviceId, boxSecretKey: recipient.keys.box.secretKey },
		{ signingKey: sender.keys.signing.publicKey, boxKey: sender.keys.box.publicKey, deviceId: sender.deviceId }
	);
}

describe('member removal', () => {
	it('the removed device cannot open the new room key or read messages sent after its removal', () => {
		const doctor = member('doctor');
		const nurse = member('nurse');
		const removed = member('locum');

		const before = OutboundSession.create('care-team-1', doctor.deviceId);
		const firstShares = share(before, doctor, [nurse, removed]);
		const removedOldKey = receive(firstShares.get(removed.deviceId)!, removed, doctor);
		const early = before.encrypt({ body: 'before removal', composedAt: 1 }, doctor.keys.signing.secretKey);
		expect(openEnvelope(early, { roomKey: removedOldKey, senderSigningKey: doctor.keys.signing.publicKey }).body).toBe('before removal');

		// Epoch moves on: a fresh session, shared only with the remaining members.
		const after = OutboundSession.create('care-team-1', doctor.deviceId);
		const newShares = share(after, doctor, [nurse]);
		const late = after.encrypt({ body: 'after removal', composedAt: 2 }, doctor.keys.signing.secretKey);

		expect(newShares.has(removed.deviceId)).toBe(false);
		const nurseKey = receive(newShares.get(nurse.deviceId)!, nurse, doctor);
		expect(openEnvelope(late, { roomKey: nurseKey, senderSigningKey: doctor.keys.signing.publicKey }).body).toBe('after removal');

		// The removed device intercepts the nurse's share: it is neither addressed to it nor openable by it.
		const intercepted = newShares.get(nurse.deviceId)!;
		expect(() => receive(intercepted, removed, doctor)).toThrow(BadSignature);
		expect(() =>
			openRoomKey(
				intercepted,
				{ deviceId: nurse.deviceId, boxSecretKey: removed.keys.box.secretKey },
				{ signingKey: doctor.keys.signing.publicKey, boxKey: doctor.keys.box.publicKey }
			)
		).toThrow(DecryptionFailed);

		// Its old room key neither matches the new session nor decrypts it.
		expect(() => openEnvelope(late, { roomKey: removedOldKey, senderSigningKey: doctor.keys.signing.publicKey })).toThrow(DecryptionFailed);
		expect(() => decryptEnvelope(late, removedOldKey.sessionKey)).toThrow(DecryptionFailed);
		expect(() =>
			decryptEnvelope({ ...late, sessionId: before.sessionId }, removedOldKey.sessionKey)
		).toThrow(DecryptionFailed);
	});
});
