import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceExport, MessageEnvelope, StoredMessage } from '../protocol';
import { complianceKeyFile, createComplianceKeyPair, decryptComplianceExport, parseComplianceKeyFile, sealToCompliance } from './compliance';
import { createDeviceKeys } from './device-keys';
import { ChatCryptoError } from './errors';
import { OutboundSession } from './group-session';
import { b64, fromB64, ready } from './sodium';

beforeAll(async () => {
	await ready();
});

function stored(messageId: string, envelope: MessageEnvelope, seq: number): StoredMessage {
	return { messageId, seq, senderUserId: 'u1', senderDisplayName: 'Dr. Ada', envelope, retractedAt: null, sentAt: `2026-01-0${seq}T10:00:00Z` };
}

describe('compliance export', () => {
	it('an officer with the offline key decrypts every message sealed to the compliance key', () => {
		const compliance = createComplianceKeyPair();
		const device = createDeviceKeys();
		const session = OutboundSession.create('conv', 'dev');
		const m1 = session.encrypt({ body: 'first', composedAt: 1 }, device.signing.secretKey);
		const m2 = session.encrypt({ body: 'second', replyTo: 'm1', composedAt: 2 }, device.signing.secretKey);
		const exp: ComplianceExport = {
			conversationId: 'conv',
			kind: 'care_team',
			exportedAt: '2026-02-01T00:00:00Z',
			complianceKeyId: 'key-1',
			members: [{ userId: 'u1', displayName: 'Dr. Ada' }],
			messages: [stored('m1', m1, 1), stored('m2', m2, 2)].map((m) => ({ ...m, senderSigningKey: device.signing.publicKey })),
			roomKeys: { [session.sessionId]: sealToCompliance(JSON.stringify(session.roomKey('u1', 0)), compliance.publicKey) }
		};
		const rows = decryptComplianceExport(JSON.parse(JSON.stringify(exp)), compliance.secretKey);
		expect(rows).toEqual([
			{ messageId: 'm1', sentAt: '2026-01-01T10:00:00Z', sender: 'Dr. Ada', content: { body: 'first', composedAt: 1 } },
			{ messageId: 'm2', sentAt: '2026-01-02T10:00:00Z', sender: 'Dr. Ada', content: { body: 'second', replyTo: 'm1', composedAt: 2 } }
		]);
	});

	it('rows that cannot be read say why: another key, a missing key, a retraction, a forged signature, a tampered ciphertext', () => {
		const compliance = createComplianceKeyPair();
		const otherCompliance = createComplianceKeyPair();
		const device = createDeviceKeys();
		const s1 = OutboundSession.create('conv', 'dev');
		const s2 = OutboundSession.create('conv', 'dev');
		const s3 = OutboundSession.create('conv', 'dev');
		const ok = s1.encrypt({ body: 'fine', composedAt: 1 }, device.signing.secretKey);
		const retracted = s1.encrypt({ body: 'gone', composedAt: 1 }, device.signing.secretKey);
		const forged = s1.encrypt({ body: 'forged', composedAt: 1 }, createDeviceKeys().signing.secretKey);
		const tamperedBytes = fromB64(s1.encrypt({ body: 'tampered', composedAt: 1 }, device.signing.secretKey).ciphertext);
		tamperedBytes[30]! ^= 1;
		const tampered = s1.encrypt({ body: 'x', composedAt: 1 }, device.signing.secretKey);
		const resignedTampered = { ...tampered, ciphertext: b64(tamperedBytes) };
		const noKey = s2.encrypt({ body: 'no key', composedAt: 1 }, device.signing.secretKey);
		const wrongKey = s3.encrypt({ body: 'wrong key', composedAt: 1 }, device.signing.secretKey);
		const messages = [
			{ ...stored('ok', ok, 1) },
			{ ...stored('retracted', { ...retracted, ciphertext: '' }, 2), retractedAt: '2026-01-03T00:00:00Z' },
			stored('forged', forged, 3),
			stored('tampered', resignedTampered, 4),
			stored('no-key', noKey, 5),
			stored('wrong-key', wrongKey, 6)
		].map((m) => ({ ...m, senderSigningKey: device.signing.publicKey }));
		const rows = decryptComplianceExport(
			{
				conversationId: 'conv',
				kind: 'group',
				exportedAt: '',
				complianceKeyId: 'k',
				members: [],
				messages,
				roomKeys: {
					[s1.sessionId]: sealToCompliance(s1.roomKey('u1', 0), compliance.publicKey),
					[s3.sessionId]: sealToCompliance(s3.roomKey('u1', 0), otherCompliance.publicKey)
				}
			},
			compliance.secretKey
		);
		expect(rows.map((r) => [r.messageId, r.content?.body ?? null, Boolean(r.error)])).toEqual([
			['ok', 'fine', false],
			['retracted', null, true],
			['forged', null, true],
			['tampered', null, true],
			['no-key', null, true],
			['wrong-key', null, true]
		]);
		expect(rows[1]!.error).toMatch(/Deleted for everyone/);
		expect(rows[2]!.error).toMatch(/signature/);
	});

	it('the key file round trips, and a file whose halves do not match is refused', () => {
		const pair = createComplianceKeyPair();
		const file = complianceKeyFile('key-1', pair);
		expect(parseComplianceKeyFile(JSON.stringify(file))).toEqual(file);
		const other = createComplianceKeyPair();
		expect(() => parseComplianceKeyFile(JSON.stringify({ ...file, secretKey: other.secretKey }))).toThrow(ChatCryptoError);
		expect(() => parseComplianceKeyFile('{"kind":"something"}')).toThrow('That file is not a ClinicSync compliance key.');
		expect(() => parseComplianceKeyFile('not json')).toThrow(ChatCryptoError);
	});
});
