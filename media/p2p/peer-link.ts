/**
 * One RTCPeerConnection to one other participant, negotiated with the "perfect negotiation"
 * pattern (W3C webrtc-pc §10.7; MDN "Establishing a connection: The WebRTC perfect negotiation
 * pattern"): both sides offer whenever they need to, the impolite side ignores a colliding
 * offer and the polite side rolls back and answers. Incoming signals are handled one at a time,
 * and ICE candidates wait until the remote description is set.
 */
import type { SignalPayload } from '../../app/lib/realtime/consult-events';
import { isPolite } from './negotiation';

type CandidateInit = Extract<SignalPayload, { type: 'candidate' }>['candidate'];

export interface PeerLinkOptions {
	selfId: string;
	peerId: string;
	iceServers: RTCIceServer[];
	send(signal: SignalPayload): void;
	onTrack(track: MediaStreamTrack, stream: MediaStream): void;
	onTrackRemoved(trackId: string): void;
	onConnectionState(state: RTCPeerConnectionState): void;
}

/** After ICE reports 'disconnected' for this long, restart it (it may recover by itself before). */
const DISCONNECTED_GRACE_MS = 3000;

export class PeerLink {
	readonly peerId: string;
	readonly polite: boolean;
	readonly pc: RTCPeerConnection;
	everConnected = false;
	readonly #options: PeerLinkOptions;
	#makingOffer = false;
	#ignoreOffer = false;
	#pendingCandidates: NonNullable<CandidateInit>[] = [];
	#inbox: Promise<void> = Promise.resolve();
	#screenSenders: RTCRtpSender[] = [];
	#watchedStreams = new WeakSet<MediaStream>();
	#disconnectedTimer: ReturnType<typeof setTimeout> | null = null;
	#closed = false;

	constructor(options: PeerLinkOptions, local: MediaStream | null) {
		this.#options = options;
		this.peerId = options.peerId;
		this.polite = isPolite(options.selfId, options.peerId);
		this.pc = new RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle' });
		const pc = this.pc;

		pc.onnegotiationneeded = () => void this.#offer();
		pc.onicecandidate = ({ candidate }) => {
			// The end-of-candidates marker (null) is not needed: ICE completes without it.
			if (!candidate) return;
			const init = candidate.toJSON();
			this.#send({ type: 'candidate', candidate: { candidate: init.candidate ?? '', sdpMid: init.sdpMid ?? null, sdpMLineIndex: init.sdpMLineIndex ?? null, usernameFragment: init.usernameFragment ?? null } });
		};
		pc.ontrack = ({ track, streams }) => {
			const stream = streams[0] ?? new MediaStream([track]);
			if (!this.#watchedStreams.has(stream)) {
				this.#watchedStreams.add(stream);
				// The sender removed the track (screen share stopped): the stream says so.
				stream.addEventListener('removetrack', (event) => this.#options.onTrackRemoved(event.track.id));
			}
			this.#options.onTrack(track, stream);
		};
		pc.onconnectionstatechange = () => this.#connectionStateChanged();

		// Always one audio and one video section, so a side without camera or microphone still
		// receives, and negotiation starts on both sides (the collision is what perfect negotiation is for).
		const tracks = local?.getTracks() ?? [];
		for (const track of tracks) pc.addTrack(track, local!);
		for (const kind of ['audio', 'video'] as const) {
			if (!tracks.some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
		}
	}

	get connected(): boolean {
		return this.pc.connectionState === 'connected';
	}

	/** The remote description's SDP, to tell a renegotiation from a new peer connection over there. */
	get remoteSdp(): string | null {
		return this.pc.remoteDescription?.sdp ?? null;
	}

	handleSignal(signal: SignalPayload): Promise<void> {
		// One at a time: a candidate must not overtake the description it belongs to.
		this.#inbox = this.#inbox.then(() => this.#handle(signal)).catch((error: unknown) => {
			if (!this.#closed) console.warn('p2p: signal failed', describe(error));
		});
		return this.#inbox;
	}

	addScreen(stream: MediaStream): void {
		if (this.#closed) return;
		for (const track of stream.getVideoTracks()) this.#screenSenders.push(this.pc.addTrack(track, stream));
	}

	removeScreen(): void {
		if (this.#closed) return;
		for (const sender of this.#screenSenders.splice(0)) {
			try {
				this.pc.removeTrack(sender);
			} catch {
				// Already gone with a closed connection.
			}
		}
	}

	/** ICE restart (new credentials, same connection): recovers from a network change or drop. */
	restartIce(): void {
		if (this.#closed) return;
		void (async () => {
			try {
				// An offer that went out while signaling was down may never be answered: take it back.
				if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
				this.pc.restartIce();
			} catch (error) {
				console.warn('p2p: ICE restart failed', describe(error));
			}
		})();
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer);
		this.pc.onnegotiationneeded = null;
		this.pc.onicecandidate = null;
		this.pc.ontrack = null;
		this.pc.onconnectionstatechange = null;
		this.pc.close();
	}

	#send(signal: SignalPayload): void {
		if (!this.#closed) this.#options.send(signal);
	}

	async #offer(): Promise<void> {
		if (this.#closed) return;
		try {
			this.#makingOffer = true;
			await this.pc.setLocalDescription();
			const description = this.pc.localDescription;
			if (description && description.type === 'offer') this.#send({ type: 'offer', sdp: description.sdp });
		} catch (error) {
			if (!this.#closed) console.warn('p2p: offer failed', describe(error));
		} finally {
			this.#makingOffer = false;
		}
	}

	async #handle(signal: SignalPayload): Promise<void> {
		if (this.#closed) return;
		const pc = this.pc;
		if (signal.type === 'offer' || signal.type === 'answer') {
			const collision = signal.type === 'offer' && (this.#makingOffer || pc.signalingState !== 'stable');
			this.#ignoreOffer = !this.polite && collision;
			if (this.#ignoreOffer) return;
			// An answer with nothing to answer (a stale one, after a rollback) would only throw.
			if (signal.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
			// The polite side's pending offer is rolled back implicitly by setRemoteDescription.
			await pc.setRemoteDescription({ type: signal.type, sdp: signal.sdp });
			await this.#flushCandidates();
			if (signal.type === 'offer') {
				await pc.setLocalDescription();
				const description = pc.localDescription;
				if (description) this.#send({ type: 'answer', sdp: description.sdp });
			}
		} else if (signal.type === 'candidate') {
			if (!signal.candidate) return;
			if (!pc.remoteDescription) {
				this.#pendingCandidates.push(signal.candidate);
				return;
			}
			await this.#addCandidate(signal.candidate);
		}
	}

	async #flushCandidates(): Promise<void> {
		for (const candidate of this.#pendingCandidates.splice(0)) await this.#addCandidate(candidate);
	}

	async #addCandidate(candidate: NonNullable<CandidateInit>): Promise<void> {
		try {
			await this.pc.addIceCandidate(candidate);
		} catch (error) {
			// Candidates of an offer we ignored, or of credentials replaced by an ICE restart, are
			// expected to fail; anything else is worth a line in the console.
			if (!this.#ignoreOffer) console.warn('p2p: candidate refused', describe(error));
		}
	}

	#connectionStateChanged(): void {
		const state = this.pc.connectionState;
		if (state === 'connected') this.everConnected = true;
		if (this.#disconnectedTimer) {
			clearTimeout(this.#disconnectedTimer);
			this.#disconnectedTimer = null;
		}
		if (state === 'failed') this.restartIce();
		if (state === 'disconnected') {
			this.#disconnectedTimer = setTimeout(() => {
				this.#disconnectedTimer = null;
				if (this.pc.connectionState === 'disconnected' || this.pc.connectionState === 'failed') this.restartIce();
			}, DISCONNECTED_GRACE_MS);
		}
		this.#options.onConnectionState(state);
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
