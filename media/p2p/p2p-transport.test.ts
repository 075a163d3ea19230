/**
 * The mesh's bookkeeping with a scripted RTCPeerConnection (Node has no WebRTC): which
 * connections exist for which roster, what is said to the peer and in which order, how remote
 * tracks are labelled, and when a connection is rebuilt. The media itself is proven in Chromium
 * by e2e/consult.spec.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignalPayload } from '../../app/lib/realtime/consult-events';
import type { CallTransportEvents, SignalingPort } from '../call-transport';
import { P2PTransport } from './p2p-transport';

let nextId = 0;
class FakeTrack {
	readonly id = `track-${++nextId}`;
	enabled = true;
	constructor(readonly kind: 'audio' | 'video') {}
	addEventListener() {}
	stop() {}
}
class FakeStream {
	readonly id = `stream-${++nextId}`;
	constructor(private readonly tracks: FakeTrack[] = []) {}
	getTracks() {
		return this.tracks;
	}
	getAudioTracks() {
		return this.tracks.filter((t) => t.kind === 'audio');
	}
	getVideoTracks() {
		return this.tracks.filter((t) => t.kind === 'video');
	}
	addEventListener() {}
}

const sdp = (fingerprint: string, type: string) => `v=0\r\na=fingerprint:sha-256 ${fingerprint}\r\na=type:${type}\r\n`;

class FakePeerConnection {
	static all: FakePeerConnection[] = [];
	readonly fingerprint = `FP:${++nextId}`;
	signalingState: RTCSignalingState = 'stable';
	connectionState: RTCPeerConnectionState = 'new';
	localDescription: { type: string; sdp: string } | null = null;
	remoteDescription: { type: string; sdp: string } | null = null;
	senders: { track: FakeTrack }[] = [];
	transceivers: string[] = [];
	candidates: unknown[] = [];
	closed = false;
	onnegotiationneeded: (() => void) | null = null;
	onicecandidate: ((e: { candidate: unknown }) => void) | null = null;
	ontrack: ((e: { track: FakeTrack; streams: FakeStream[] }) => void) | null = null;
	onconnectionstatechange: (() => void) | null = null;
	#negotiationQueued = false;
	constructor(readonly config: unknown) {
		FakePeerConnection.all.push(this);
	}
	#needNegotiation() {
		if (this.#negotiationQueued) return;
		this.#negotiationQueued = true;
		queueMicrotask(() => {
			this.#negotiationQueued = false;
			if (!this.closed) this.onnegotiationneeded?.();
		});
	}
	addTrack(track: FakeTrack) {
		const sender = { track };
		this.senders.push(sender);
		this.#needNegotiation();
		return sender;
	}
	removeTrack(sender: { track: FakeTrack }) {
		this.senders = this.senders.filter((s) => s !== sender);
		this.#needNegotiation();
	}
	addTransceiver(kind: string) {
		this.transceivers.push(kind);
		this.#needNegotiation();
	}
	async setLocalDescription(description?: { type: string }) {
		if (description?.type === 'rollback') {
			this.signalingState = 'stable';
			this.localDescription = null;
			return;
		}
		const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
		this.localDescription = { type, sdp: sdp(this.fingerprint, type) };
		this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable';
	}
	async setRemoteDescription(description: { type: string; sdp: string }) {
		this.remoteDescription = description;
		this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
	}
	async addIceCandidate(candidate: unknown) {
		if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
		this.candidates.push(candidate);
	}
	restartIce() {
		this.#needNegotiation();
	}
	async getStats() {
		return new Map();
	}
	close() {
		this.closed = true;
		this.connectionState = 'closed';
	}
	// Test controls
	receiveTrack(track: FakeTrack, stream: FakeStream) {
		this.ontrack?.({ track, streams: [stream] });
	}
	setConnectionState(state: RTCPeerConnectionState) {
		this.connectionState = state;
		this.onconnectionstatechange?.();
	}
}

/** Lets queued microtasks and the transport's promise chains run (no time passes). */
const settle = async () => {
	for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function fakeSignaling(selfId: string) {
	const sent: { to: string; signal: SignalPayload }[] = [];
	let signalHandler: ((from: string, s: SignalPayload) => void) | null = null;
	let peersHandler: ((ids: string[]) => void) | null = null;
	const port: SignalingPort = {
		selfId,
		send: (to, signal) => sent.push({ to, signal }),
		onSignal: (h) => ((signalHandler = h), () => (signalHandler = null)),
		onPeers: (h) => ((peersHandler = h), () => (peersHandler = null))
	};
	return { port, sent, deliver: (from: string, s: SignalPayload) => signalHandler?.(from, s), roster: (ids: string[]) => peersHandler?.(ids) };
}

function record(transport: P2PTransport) {
	const events: { type: keyof CallTransportEvents; payload: unknown }[] = [];
	for (const type of ['remote-track', 'remote-track-removed', 'participant-left', 'state'] as const) transport.on(type, (payload) => events.push({ type, payload }));
	return events;
}

const pcsFor = (remoteFingerprintOrNone?: string) => FakePeerConnection.all.filter((pc) => !pc.closed && (remoteFingerprintOrNone === undefined || pc.remoteDescription?.sdp.includes(remoteFingerprintOrNone)));

describe('the peer-to-peer mesh', () => {
	let transport: P2PTransport;
	let signaling: ReturnType<typeof fakeSignaling>;
	const local = () => new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]) as unknown as MediaStream;

	beforeEach(() => {
		FakePeerConnection.all = [];
		vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
		vi.stubGlobal('MediaStream', FakeStream);
		signaling = fakeSignaling('p-b');
		transport = new P2PTransport({ iceServers: [{ urls: 'stun:stun.clinic.test' }], signaling: signaling.port });
	});
	afterEach(() => {
		transport.close();
		vi.unstubAllGlobals();
	});

	it('keeps one connection per online peer, announces media before offering, and lets go of who left', async () => {
		const events = record(transport);
		await transport.connect(local());
		signaling.roster(['p-a', 'p-c', 'p-b']);
		await settle();
		expect(FakePeerConnection.all).toHaveLength(2);
		expect(FakePeerConnection.all[0]!.config).toMatchObject({ iceServers: [{ urls: 'stun:stun.clinic.test' }] });
		for (const peer of ['p-a', 'p-c']) {
			const toPeer = signaling.sent.filter((s) => s.to === peer).map((s) => s.signal.type);
			expect(toPeer.slice(0, 2)).toEqual(['media-info', 'offer']);
		}
		signaling.roster(['p-a']);
		expect(events).toContainEqual({ type: 'participant-left', payload: { participantId: 'p-c' } });
		expect(pcsFor()).toHaveLength(1);
		expect(events.find((e) => e.type === 'state')?.payload).toBe('connecting');
	});

	it('answers an offer, holding candidates that come before it until the description is set', async () => {
		await transport.connect(local());
		signaling.roster(['p-c']);
		await settle();
		const [pc] = FakePeerConnection.all;
		// p-b < p-c: we are polite, so their offer wins over ours.
		signaling.deliver('p-c', { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } });
		signaling.deliver('p-c', { type: 'offer', sdp: sdp('REMOTE-1', 'offer') });
		await settle();
		expect(pc!.remoteDescription?.sdp).toContain('REMOTE-1');
		expect(pc!.candidates).toHaveLength(1);
		expect(signaling.sent.at(-1)).toMatchObject({ to: 'p-c', signal: { type: 'answer' } });
	});

	it('ignores a colliding offer when impolite', async () => {
		await transport.connect(local());
		signaling.roster(['p-a']);
		await settle();
		const [pc] = FakePeerConnection.all;
		expect(pc!.signalingState).toBe('have-local-offer');
		// p-b > p-a: we are impolite; our offer stands.
		signaling.deliver('p-a', { type: 'offer', sdp: sdp('REMOTE-A', 'offer') });
		await settle();
		expect(pc!.remoteDescription).toBeNull();
		expect(signaling.sent.some((s) => s.signal.type === 'answer')).toBe(false);
	});

	it('rebuilds its connection when the peer offers from a new one (it reloaded), and ignores its old one afterwards', async () => {
		const events = record(transport);
		await transport.connect(local());
		signaling.roster(['p-c']);
		await settle();
		signaling.deliver('p-c', { type: 'offer', sdp: sdp('OLD', 'offer') });
		await settle();
		const camera = new FakeStream([new FakeTrack('video')]);
		FakePeerConnection.all[0]!.receiveTrack(camera.getVideoTracks()[0]!, camera);
		signaling.deliver('p-c', { type: 'offer', sdp: sdp('NEW', 'offer') });
		await settle();
		expect(FakePeerConnection.all[0]!.closed).toBe(true);
		expect(pcsFor('NEW')).toHaveLength(1);
		expect(events.filter((e) => e.type === 'remote-track-removed')).toHaveLength(1);
		expect(events.some((e) => e.type === 'participant-left')).toBe(false);
		// Now the peer leaves and returns: a late offer from its old connection is not answered.
		signaling.roster([]);
		signaling.roster(['p-c']);
		await settle();
		const answersBefore = signaling.sent.filter((s) => s.signal.type === 'answer').length;
		signaling.deliver('p-c', { type: 'offer', sdp: sdp('NEW', 'offer') });
		await settle();
		expect(signaling.sent.filter((s) => s.signal.type === 'answer')).toHaveLength(answersBefore);
	});

	it('labels camera, microphone and screen, and relabels when the announcement comes late', async () => {
		const events = record(transport);
		await transport.connect(local());
		signaling.roster(['p-c']);
		await settle();
		const pc = FakePeerConnection.all[0]!;
		const main = new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]);
		pc.receiveTrack(main.getAudioTracks()[0]!, main);
		pc.receiveTrack(main.getVideoTracks()[0]!, main);
		const screen = new FakeStream([new FakeTrack('video')]);
		signaling.deliver('p-c', { type: 'media-info', screenStreamId: screen.id });
		pc.receiveTrack(screen.getVideoTracks()[0]!, screen);
		const sources = events.filter((e) => e.type === 'remote-track').map((e) => (e.payload as { source: string }).source);
		expect(sources).toEqual(['microphone', 'camera', 'screen']);
		// The peer says its main stream was the screen after all (only an announcement decides).
		signaling.deliver('p-c', { type: 'media-info', screenStreamId: main.id });
		const relabelled = events.filter((e) => e.type === 'remote-track').slice(3).map((e) => (e.payload as { source: string }).source);
		expect(relabelled).toContain('screen');
	});

	it('shares the screen as an added track announced first, and takes it back', async () => {
		await transport.connect(local());
		signaling.roster(['p-a', 'p-c']);
		await settle();
		signaling.sent.length = 0;
		const screen = new FakeStream([new FakeTrack('video')]) as unknown as MediaStream;
		expect(await transport.startScreenShare(screen)).toBe(screen);
		for (const pc of FakePeerConnection.all) expect(pc.senders.map((s) => s.track)).toContain(screen.getVideoTracks()[0]);
		expect(signaling.sent.map((s) => s.signal)).toEqual([
			{ type: 'media-info', screenStreamId: screen.id },
			{ type: 'media-info', screenStreamId: screen.id }
		]);
		await settle();
		expect(signaling.sent.filter((s) => s.signal.type === 'offer').map((s) => s.to).sort()).toEqual(['p-a', 'p-c']);
		transport.stopScreenShare();
		for (const pc of FakePeerConnection.all) expect(pc.senders.map((s) => s.track)).not.toContain(screen.getVideoTracks()[0]);
		expect(signaling.sent.at(-1)).toMatchObject({ signal: { type: 'media-info', screenStreamId: null } });
	});

	it('mutes and turns the camera off without renegotiating', async () => {
		const stream = local();
		await transport.connect(stream);
		transport.setMicrophoneEnabled(false);
		transport.setCameraEnabled(false);
		expect(stream.getTracks().map((t) => t.enabled)).toEqual([false, false]);
		transport.setCameraEnabled(true);
		expect(stream.getVideoTracks()[0]!.enabled).toBe(true);
	});

	it('reports reconnecting when an established link drops, and rebuilds on a restart request', async () => {
		const events = record(transport);
		await transport.connect(local());
		signaling.roster(['p-c']);
		await settle();
		const pc = FakePeerConnection.all[0]!;
		pc.setConnectionState('connected');
		pc.setConnectionState('disconnected');
		expect(events.filter((e) => e.type === 'state').map((e) => e.payload).slice(-3)).toEqual(['connecting', 'connected', 'reconnecting']);
		signaling.deliver('p-c', { type: 'restart' });
		await settle();
		expect(pc.closed).toBe(true);
		expect(pcsFor()).toHaveLength(1);
		// Still a reconnection, and we do not answer 'restart' with 'restart' (no ping-pong).
		expect(events.filter((e) => e.type === 'state').at(-1)?.payload).toBe('reconnecting');
		expect(signaling.sent.some((s) => s.signal.type === 'restart')).toBe(false);
	});
});
