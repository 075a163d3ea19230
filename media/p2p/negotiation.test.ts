import { describe, expect, it } from 'vitest';
import { callStateFrom, isFromNewPeerConnection, isPolite, MAX_P2P_PEERS, meshPeers, sdpFingerprint, trackSource } from './negotiation';

const sdp = (fingerprint: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${fingerprint}\r\na=setup:actpass\r\n`;

describe('perfect negotiation roles', () => {
	it('makes exactly one side of every pair polite: the lower participant id', () => {
		const ids = ['c3f0', '0a11', '9b2e', 'ffff'];
		for (const a of ids) {
			for (const b of ids) {
				if (a === b) continue;
				expect(isPolite(a, b)).not.toBe(isPolite(b, a));
				expect(isPolite(a, b)).toBe(a < b);
			}
		}
	});
});

describe('mesh peers', () => {
	it('keeps others only, without duplicates, at most three, the same set on every side', () => {
		expect(meshPeers('b', ['b', 'a', 'c', 'a', ''])).toEqual(['a', 'c']);
		const everyone = ['p1', 'p2', 'p3', 'p4', 'p5'];
		expect(meshPeers('p9', everyone)).toHaveLength(MAX_P2P_PEERS);
		expect(meshPeers('p1', everyone)).toEqual(['p2', 'p3', 'p4']);
	});
});

describe('new peer connection on the other side', () => {
	it('reads the DTLS fingerprint of a description', () => {
		expect(sdpFingerprint(sdp('AB:CD:EF'))).toBe('sha-256 ab:cd:ef');
		expect(sdpFingerprint('v=0\r\n')).toBeNull();
	});

	it('tells a rebuilt remote connection (other fingerprint) from a renegotiation (same fingerprint)', () => {
		expect(isFromNewPeerConnection(sdp('AB:CD'), sdp('AB:CD'))).toBe(false);
		expect(isFromNewPeerConnection(sdp('AB:CD'), sdp('12:34'))).toBe(true);
		// Nothing negotiated yet: a first offer is never "new".
		expect(isFromNewPeerConnection(null, sdp('12:34'))).toBe(false);
	});
});

describe('remote track labels', () => {
	it('labels the announced screen stream as screen, the main stream as camera and microphone', () => {
		expect(trackSource({ kind: 'video', streamId: 's2', screenStreamId: 's2', cameraStreamId: 's1' })).toBe('screen');
		expect(trackSource({ kind: 'video', streamId: 's1', screenStreamId: 's2', cameraStreamId: 's1' })).toBe('camera');
		expect(trackSource({ kind: 'audio', streamId: 's1', screenStreamId: null, cameraStreamId: 's1' })).toBe('microphone');
	});

	it('takes a second video stream for a screen share before its announcement arrives', () => {
		expect(trackSource({ kind: 'video', streamId: 's2', screenStreamId: null, cameraStreamId: 's1' })).toBe('screen');
		expect(trackSource({ kind: 'video', streamId: 's1', screenStreamId: null, cameraStreamId: null })).toBe('camera');
	});
});

describe('call state', () => {
	it('is connected alone or when links are up, connecting before any is up, reconnecting when one drops', () => {
		expect(callStateFrom([], false)).toBe('connected');
		expect(callStateFrom([{ everConnected: false, connected: false }], false)).toBe('connecting');
		expect(callStateFrom([{ everConnected: true, connected: true }, { everConnected: false, connected: false }], false)).toBe('connected');
		expect(callStateFrom([{ everConnected: true, connected: false }, { everConnected: true, connected: true }], false)).toBe('reconnecting');
		expect(callStateFrom([{ everConnected: true, connected: true }], true)).toBe('disconnected');
	});
});
