/**
 * The peer-to-peer transport: a full mesh of PeerLinks (one RTCPeerConnection per other
 * participant, at most 3), signaling through the UI's SignalingPort (socket.io `consult:signal`,
 * relayed by the server only between admitted participants of one consult).
 *
 * Recovery, from cheap to thorough:
 *  - ICE 'disconnected' for 3 s or 'failed' → ICE restart on the same connection (PeerLink);
 *  - an offer from a new peer connection over there (other DTLS fingerprint: the peer reloaded
 *    or rebuilt) → our connection to them is rebuilt and answers it;
 *  - a link that does not come up within LINK_WATCHDOG_MS → rebuilt, and the peer is told
 *    `{ type: 'restart' }` so it rebuilds its side too (a receiver of 'restart' rebuilds without
 *    replying, so two watchdogs cannot ping-pong).
 *  - a peer that leaves the roster (left, or went offline) is dropped; when it is back it is a
 *    new link.
 */
import type { SignalPayload } from '../../app/lib/realtime/consult-events';
import type { CallState, CallStats, CallTransport, CallTransportEvents, Quality, SignalingPort } from '../call-transport';
import { Emitter } from '../emitter';
import { participantStats, qualityFrom, lossRatioBetween, sampleFromStats, worstQuality, type LinkSample, type StatsEntry } from '../quality';
import { callStateFrom, isFromNewPeerConnection, meshPeers, MAX_P2P_PEERS, sdpFingerprint, trackSource } from './negotiation';
import { PeerLink } from './peer-link';

const STATS_INTERVAL_MS = 2000;
/** The polite and impolite sides wait differently, so one of them rebuilds first. */
const LINK_WATCHDOG_MS = { impolite: 12_000, polite: 20_000 } as const;

interface RemoteTrack {
	track: MediaStreamTrack;
	stream: MediaStream;
	source: 'camera' | 'microphone' | 'screen';
}

interface Peer {
	link: PeerLink;
	tracks: Map<string, RemoteTrack>;
	cameraStreamId: string | null;
	watchdog: ReturnType<typeof setTimeout> | null;
	lastSample: LinkSample | null;
	quality: Quality | null;
}

export interface P2PTransportOptions {
	iceServers: RTCIceServer[];
	signaling: SignalingPort;
}

export class P2PTransport implements CallTransport {
	readonly kind = 'p2p' as const;
	readonly #events = new Emitter<CallTransportEvents>();
	readonly #iceServers: RTCIceServer[];
	readonly #signaling: SignalingPort;
	readonly #peers = new Map<string, Peer>();
	/** Announced screen stream per peer (kept even before a link exists: the relay may reorder). */
	readonly #remoteScreens = new Map<string, string | null>();
	/** The DTLS fingerprint of a peer's connection we dropped: its late offers are ignored. */
	readonly #droppedFingerprints = new Map<string, string>();
	#roster: string[] = [];
	#local: MediaStream | null = null;
	#screen: MediaStream | null = null;
	#ownsScreen = false;
	#state: CallState | null = null;
	#selfQuality: Quality | null = null;
	#subscriptions: (() => void)[] = [];
	#statsTimer: ReturnType<typeof setInterval> | null = null;
	#connected = false;
	#closed = false;

	constructor(options: P2PTransportOptions) {
		this.#iceServers = options.iceServers;
		this.#signaling = options.signaling;
	}

	on<K extends keyof CallTransportEvents>(event: K, handler: (payload: CallTransportEvents[K]) => void): () => void {
		return this.#events.on(event, handler);
	}

	async connect(local: MediaStream): Promise<void> {
		if (this.#closed) throw new Error('This call has been closed.');
		if (this.#connected) return;
		this.#connected = true;
		this.#local = local;
		this.#setState('connecting');
		this.#subscriptions.push(
			this.#signaling.onSignal((from, signal) => this.#onSignal(from, signal)),
			this.#signaling.onPeers((ids) => this.#onPeers(ids))
		);
		this.#statsTimer = setInterval(() => void this.#pollQuality(), STATS_INTERVAL_MS);
		this.#updateState();
	}

	setMicrophoneEnabled(enabled: boolean): void {
		for (const track of this.#local?.getAudioTracks() ?? []) track.enabled = enabled;
	}

	setCameraEnabled(enabled: boolean): void {
		for (const track of this.#local?.getVideoTracks() ?? []) track.enabled = enabled;
	}

	async startScreenShare(source?: MediaStream): Promise<MediaStream> {
		if (this.#closed) throw new Error('This call has been closed.');
		if (this.#screen) return this.#screen;
		const stream = source ?? (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }));
		this.#ownsScreen = !source;
		this.#screen = stream;
		for (const track of stream.getVideoTracks()) track.addEventListener('ended', () => this.#screen === stream && this.stopScreenShare());
		for (const [peerId, peer] of this.#peers) {
			// Announce before the track: the offer it causes comes after this on the same socket.
			this.#signaling.send(peerId, { type: 'media-info', screenStreamId: stream.id });
			peer.link.addScreen(stream);
		}
		return stream;
	}

	stopScreenShare(): void {
		const stream = this.#screen;
		if (!stream) return;
		this.#screen = null;
		for (const [peerId, peer] of this.#peers) {
			peer.link.removeScreen();
			this.#signaling.send(peerId, { type: 'media-info', screenStreamId: null });
		}
		if (this.#ownsScreen) for (const track of stream.getTracks()) track.stop();
		this.#ownsScreen = false;
	}

	async stats(): Promise<CallStats> {
		const participants = await Promise.all(
			[...this.#peers].map(async ([peerId, peer]) => {
				const sample = await this.#sample(peer);
				return participantStats(peerId, peer.lastSample, sample);
			})
		);
		return { participants };
	}

	close(): void {
		if (this.#closed) return;
		this.stopScreenShare();
		for (const peerId of [...this.#peers.keys()]) this.#dropPeer(peerId);
		this.#closed = true;
		for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
		if (this.#statsTimer) clearInterval(this.#statsTimer);
		this.#setState('disconnected');
		this.#events.clear();
	}

	#onPeers(ids: string[]): void {
		if (this.#closed) return;
		this.#roster = meshPeers(this.#signaling.selfId, ids);
		for (const peerId of [...this.#peers.keys()]) {
			if (!this.#roster.includes(peerId)) this.#dropPeer(peerId);
		}
		for (const peerId of this.#roster) {
			if (!this.#peers.has(peerId)) this.#addPeer(peerId);
		}
		this.#updateState();
	}

	#onSignal(from: string, signal: SignalPayload): void {
		if (this.#closed || from === this.#signaling.selfId) return;
		if (signal.type === 'media-info') {
			this.#remoteScreens.set(from, signal.screenStreamId);
			this.#relabel(from);
			return;
		}
		let peer = this.#peers.get(from);
		if (signal.type === 'restart') {
			// The peer rebuilt its connection to us: rebuild ours (without replying 'restart').
			if (peer) this.#rebuild(from, false);
			else this.#addPeerOnDemand(from);
			return;
		}
		if (!peer) {
			// Their roster can be ahead of ours: an offer may arrive before they are in our list.
			if (signal.type !== 'offer') return;
			peer = this.#addPeerOnDemand(from);
			if (!peer) return;
		} else if (signal.type === 'offer' && isFromNewPeerConnection(peer.link.remoteSdp, signal.sdp)) {
			peer = this.#rebuild(from, false);
		} else if (signal.type === 'offer' && !peer.link.remoteSdp && sdpFingerprint(signal.sdp) === this.#droppedFingerprints.get(from)) {
			// From their connection to our dropped one (an ICE restart sent before they saw us go):
			// our new connection's offer makes them rebuild; answering this would pair with a ghost.
			return;
		}
		void peer.link.handleSignal(signal);
	}

	#addPeerOnDemand(peerId: string): Peer | undefined {
		if (this.#peers.size >= MAX_P2P_PEERS) return undefined;
		return this.#addPeer(peerId);
	}

	#addPeer(peerId: string): Peer {
		const peer: Peer = { link: null as unknown as PeerLink, tracks: new Map(), cameraStreamId: null, watchdog: null, lastSample: null, quality: null };
		peer.link = new PeerLink(
			{
				selfId: this.#signaling.selfId,
				peerId,
				iceServers: this.#iceServers,
				send: (signal) => this.#signaling.send(peerId, signal),
				onTrack: (track, stream) => this.#onTrack(peer, track, stream),
				onTrackRemoved: (trackId) => this.#onTrackRemoved(peer, trackId),
				onConnectionState: (state) => this.#onLinkState(peer, state)
			},
			this.#local
		);
		this.#peers.set(peerId, peer);
		// Before the first offer (queued by negotiationneeded), so the peer can label our tracks.
		this.#signaling.send(peerId, { type: 'media-info', screenStreamId: this.#screen?.id ?? null });
		if (this.#screen) peer.link.addScreen(this.#screen);
		this.#armWatchdog(peer);
		return peer;
	}

	#rebuild(peerId: string, tellPeer: boolean): Peer {
		const everConnected = this.#peers.get(peerId)?.link.everConnected ?? false;
		this.#dropPeer(peerId, { silent: true });
		if (tellPeer) this.#signaling.send(peerId, { type: 'restart' });
		const peer = this.#addPeer(peerId);
		// Still a reconnection for the call's state, not a first connection.
		peer.link.everConnected = everConnected;
		this.#updateState();
		return peer;
	}

	#dropPeer(peerId: string, options: { silent?: boolean } = {}): void {
		const peer = this.#peers.get(peerId);
		if (!peer) return;
		this.#peers.delete(peerId);
		const fingerprint = peer.link.remoteSdp ? sdpFingerprint(peer.link.remoteSdp) : null;
		if (fingerprint) this.#droppedFingerprints.set(peerId, fingerprint);
		if (peer.watchdog) clearTimeout(peer.watchdog);
		peer.link.close();
		for (const trackId of peer.tracks.keys()) this.#events.emit('remote-track-removed', { participantId: peerId, trackId });
		peer.tracks.clear();
		if (!options.silent) {
			this.#remoteScreens.delete(peerId);
			this.#events.emit('participant-left', { participantId: peerId });
		}
	}

	#armWatchdog(peer: Peer): void {
		if (peer.watchdog) clearTimeout(peer.watchdog);
		peer.watchdog = setTimeout(() => {
			peer.watchdog = null;
			if (this.#closed || this.#peers.get(peer.link.peerId) !== peer || peer.link.connected) return;
			// A link to someone no longer in the roster (an offer that came on its own) is let go.
			if (!this.#roster.includes(peer.link.peerId)) {
				this.#dropPeer(peer.link.peerId);
				this.#updateState();
				return;
			}
			this.#rebuild(peer.link.peerId, true);
		}, peer.link.polite ? LINK_WATCHDOG_MS.polite : LINK_WATCHDOG_MS.impolite);
	}

	#onLinkState(peer: Peer, state: RTCPeerConnectionState): void {
		if (this.#peers.get(peer.link.peerId) !== peer) return;
		if (state === 'connected') {
			if (peer.watchdog) clearTimeout(peer.watchdog);
			peer.watchdog = null;
		} else if (!peer.watchdog && (state === 'disconnected' || state === 'failed')) {
			this.#armWatchdog(peer);
		}
		if (state === 'disconnected' || state === 'failed') this.#setPeerQuality(peer, 'lost');
		this.#updateState();
	}

	#onTrack(peer: Peer, track: MediaStreamTrack, stream: MediaStream): void {
		if (this.#peers.get(peer.link.peerId) !== peer) return;
		const kind = track.kind === 'audio' ? 'audio' : 'video';
		// The first stream with a camera/microphone track is the peer's main stream.
		if (peer.cameraStreamId === null && stream.id !== this.#remoteScreens.get(peer.link.peerId)) peer.cameraStreamId = stream.id;
		const source = trackSource({ kind, streamId: stream.id, screenStreamId: this.#remoteScreens.get(peer.link.peerId) ?? null, cameraStreamId: peer.cameraStreamId });
		peer.tracks.set(track.id, { track, stream, source });
		track.addEventListener('ended', () => this.#onTrackRemoved(peer, track.id));
		this.#events.emit('remote-track', { participantId: peer.link.peerId, track, stream, kind, source });
	}

	#onTrackRemoved(peer: Peer, trackId: string): void {
		if (!peer.tracks.delete(trackId)) return;
		if (this.#peers.get(peer.link.peerId) !== peer) return;
		this.#events.emit('remote-track-removed', { participantId: peer.link.peerId, trackId });
	}

	/** A media-info arrived: tracks labelled before it are labelled again (removed, then added). */
	#relabel(peerId: string): void {
		const peer = this.#peers.get(peerId);
		if (!peer) return;
		const screenStreamId = this.#remoteScreens.get(peerId) ?? null;
		for (const [trackId, remote] of peer.tracks) {
			const kind = remote.track.kind === 'audio' ? 'audio' : 'video';
			const source = trackSource({ kind, streamId: remote.stream.id, screenStreamId, cameraStreamId: peer.cameraStreamId });
			if (source === remote.source) continue;
			remote.source = source;
			this.#events.emit('remote-track-removed', { participantId: peerId, trackId });
			this.#events.emit('remote-track', { participantId: peerId, track: remote.track, stream: remote.stream, kind, source });
		}
	}

	async #sample(peer: Peer): Promise<LinkSample> {
		const report = await peer.link.pc.getStats();
		return sampleFromStats(report.values() as Iterable<StatsEntry>);
	}

	async #pollQuality(): Promise<void> {
		if (this.#closed) return;
		const uplink: Quality[] = [];
		for (const peer of [...this.#peers.values()]) {
			try {
				const sample = await this.#sample(peer);
				const lossRatio = lossRatioBetween(peer.lastSample, sample);
				peer.lastSample = sample;
				this.#setPeerQuality(peer, qualityFrom({ connected: peer.link.connected, roundTripMs: sample.roundTripMs, lossRatio }));
				if (peer.link.connected) uplink.push(qualityFrom({ connected: true, roundTripMs: sample.uplinkRoundTripMs ?? sample.roundTripMs, lossRatio: sample.uplinkFractionLost }));
			} catch {
				// A connection closed between the loop and getStats: nothing to report.
			}
		}
		if (this.#closed) return;
		const self = this.#peers.size === 0 ? 'good' : uplink.length === 0 ? 'lost' : worstQuality(uplink);
		if (self !== this.#selfQuality) {
			this.#selfQuality = self;
			this.#events.emit('quality', { participantId: 'self', quality: self });
		}
	}

	#setPeerQuality(peer: Peer, quality: Quality): void {
		if (peer.quality === quality || this.#peers.get(peer.link.peerId) !== peer) return;
		peer.quality = quality;
		this.#events.emit('quality', { participantId: peer.link.peerId, quality });
	}

	#updateState(): void {
		if (this.#closed) return;
		const links = [...this.#peers.values()].map((p) => ({ everConnected: p.link.everConnected, connected: p.link.connected }));
		this.#setState(callStateFrom(links, false));
	}

	#setState(state: CallState): void {
		if (state === this.#state) return;
		this.#state = state;
		this.#events.emit('state', state);
	}
}
