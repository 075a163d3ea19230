import { createCallTransport, type CallSource, type CallStats, type CallTransport, type Quality, type SignalingPort } from '$media/call-transport';
import type { ConsultRoom } from './consult-room.svelte';

/**
 * The media side of a call, in the browser: the transport of media/ (peer-to-peer or LiveKit,
 * chosen by the server's MediaAccess), the remote videos as tiles, mute / camera / screen share,
 * the connection quality per participant and the decoded-frame counts the connection details
 * show. Signaling goes over the consult's socket (ConsultRoom), so only admitted participants of
 * this consult reach each other.
 */

export interface Tile {
	/** participantId + ':camera' or ':screen'. */
	key: string;
	participantId: string;
	source: 'camera' | 'screen';
	stream: MediaStream;
	/** Bumped when a track joins or leaves the stream, so the view re-attaches it. */
	version: number;
}

export type TransportState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export type ParticipantStats = CallStats['participants'][number];

const statsEveryMs = 2_000;

export function signalingPortFor(room: ConsultRoom, selfId: string): SignalingPort {
	return {
		selfId,
		send: (to, signal) => room.sendSignal(to, signal),
		onSignal: (handler) => room.onSignal(handler),
		onPeers: (handler) => room.onPeers(handler)
	};
}

export class CallSession {
	tiles = $state.raw<Tile[]>([]);
	quality = $state.raw<Record<string, Quality>>({});
	stats = $state.raw<ParticipantStats[]>([]);
	transportState = $state<TransportState>('connecting');
	microphoneOn = $state(true);
	cameraOn = $state(true);
	sharingScreen = $state(false);
	problem = $state('');

	readonly local: MediaStream;
	readonly #room: ConsultRoom;
	#transport: CallTransport | null = null;
	#stops: (() => void)[] = [];
	#statsTimer: ReturnType<typeof setInterval> | undefined;
	#closed = false;

	constructor(room: ConsultRoom, local: MediaStream) {
		this.#room = room;
		this.local = local;
		this.microphoneOn = local.getAudioTracks().some((t) => t.enabled);
		this.cameraOn = local.getVideoTracks().some((t) => t.enabled);
	}

	get transportKind(): 'p2p' | 'livekit' | null {
		return this.#transport?.kind ?? null;
	}

	async start(): Promise<void> {
		const selfId = this.#room.selfId;
		if (!selfId) return;
		const access = await this.#room.media();
		if (this.#closed) return;
		if (!access.ok) {
			this.problem = access.error;
			return;
		}
		let e2eeKey: Uint8Array | undefined;
		if (access.media.transport === 'livekit') {
			// LiveKit's media encryption needs the call key, which the host's browser sends sealed.
			e2eeKey = await new Promise<Uint8Array>((resolve) => {
				const stop = this.#room.onCallKey((key) => {
					queueMicrotask(stop);
					resolve(key);
				});
			});
			if (this.#closed) return;
		}
		try {
			const transport = createCallTransport({ media: access.media, signaling: signalingPortFor(this.#room, selfId), e2eeKey });
			this.#transport = transport;
			this.#stops.push(
				transport.on('state', (state) => (this.transportState = state)),
				transport.on('remote-track', ({ participantId, track, stream, source }) => this.#addTrack(participantId, source, stream, track)),
				transport.on('remote-track-removed', ({ participantId, trackId }) => this.#removeTrack(participantId, trackId)),
				transport.on('participant-left', ({ participantId }) => {
					this.tiles = this.tiles.filter((t) => t.participantId !== participantId);
					const { [participantId]: _gone, ...rest } = this.quality;
					this.quality = rest;
				}),
				transport.on('quality', ({ participantId, quality }) => (this.quality = { ...this.quality, [participantId]: quality }))
			);
			await transport.connect(this.local);
			this.#statsTimer = setInterval(() => void this.refreshStats(), statsEveryMs);
		} catch (cause) {
			this.problem = cause instanceof Error && cause.message ? `The call could not connect: ${cause.message}` : 'The call could not connect.';
			this.transportState = 'disconnected';
		}
	}

	async refreshStats(): Promise<ParticipantStats[]> {
		if (!this.#transport) return [];
		try {
			this.stats = (await this.#transport.stats()).participants;
		} catch {
			// A peer connection closing meanwhile: the next round reads again.
		}
		return this.stats;
	}

	toggleMicrophone(): void {
		this.microphoneOn = !this.microphoneOn;
		for (const track of this.local.getAudioTracks()) track.enabled = this.microphoneOn;
		this.#transport?.setMicrophoneEnabled(this.microphoneOn);
	}

	toggleCamera(): void {
		this.cameraOn = !this.cameraOn;
		for (const track of this.local.getVideoTracks()) track.enabled = this.cameraOn;
		this.#transport?.setCameraEnabled(this.cameraOn);
	}

	async toggleScreenShare(): Promise<void> {
		if (!this.#transport) return;
		if (this.sharingScreen) {
			this.#transport.stopScreenShare();
			this.sharingScreen = false;
			return;
		}
		try {
			const screen = await this.#transport.startScreenShare();
			this.sharingScreen = true;
			// The browser's own "Stop sharing" button ends the track.
			screen.getVideoTracks()[0]?.addEventListener('ended', () => {
				if (!this.sharingScreen) return;
				this.#transport?.stopScreenShare();
				this.sharingScreen = false;
			});
		} catch {
			this.problem = 'Screen sharing did not start (it was cancelled or is not allowed in this browser).';
		}
	}

	close(): void {
		this.#closed = true;
		clearInterval(this.#statsTimer);
		for (const stop of this.#stops.splice(0)) stop();
		this.#transport?.close();
		this.#transport = null;
		this.tiles = [];
		this.transportState = 'disconnected';
	}

	#addTrack(participantId: string, source: CallSource, stream: MediaStream, track: MediaStreamTrack): void {
		const kind = source === 'screen' ? 'screen' : 'camera';
		const key = `${participantId}:${kind}`;
		const existing = this.tiles.find((t) => t.key === key);
		if (existing) {
			if (!existing.stream.getTracks().includes(track)) existing.stream.addTrack(track);
			this.tiles = this.tiles.map((t) => (t.key === key ? { ...t, version: t.version + 1 } : t));
			return;
		}
		const own = new MediaStream(stream.getTracks().includes(track) ? stream.getTracks() : [track]);
		this.tiles = [...this.tiles, { key, participantId, source: kind, stream: own, version: 0 }];
	}

	#removeTrack(participantId: string, trackId: string): void {
		const next: Tile[] = [];
		for (const tile of this.tiles) {
			if (tile.participantId !== participantId) {
				next.push(tile);
				continue;
			}
			const track = tile.stream.getTrackById(trackId);
			if (track) tile.stream.removeTrack(track);
			if (tile.stream.getTracks().length > 0) next.push(track ? { ...tile, version: tile.version + 1 } : tile);
		}
		this.tiles = next;
	}
}
