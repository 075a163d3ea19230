/**
 * The LiveKit transport (browser): a livekit-client Room with end-to-end media encryption. The
 * key is the call key the host shares over the encrypted messaging channel (consult:key), given
 * to LiveKit's ExternalE2EEKeyProvider; frames are encrypted in a worker before they reach the
 * SFU, which forwards ciphertext only. Participant identities are consult participant ids, so
 * events carry the same ids as the peer-to-peer transport.
 */
import { ConnectionQuality, ExternalE2EEKeyProvider, Room, RoomEvent, Track, type Participant, type RemoteTrack } from 'livekit-client';
import type { CallSource, CallStats, CallTransport, CallTransportEvents, Quality } from '../call-transport';
import { Emitter } from '../emitter';
import { participantStats, sampleFromStats, type StatsEntry } from '../quality';

export interface LivekitTransportOptions {
	url: string;
	token: string;
	e2eeKey?: Uint8Array;
}

const qualityOf: Partial<Record<ConnectionQuality, Quality>> = {
	[ConnectionQuality.Excellent]: 'good',
	[ConnectionQuality.Good]: 'fair',
	[ConnectionQuality.Poor]: 'poor',
	[ConnectionQuality.Lost]: 'lost'
};

function sourceOf(track: RemoteTrack): CallSource {
	if (track.source === Track.Source.ScreenShare) return 'screen';
	return track.kind === Track.Kind.Audio ? 'microphone' : 'camera';
}

export class LivekitTransport implements CallTransport {
	readonly kind = 'livekit' as const;
	readonly #events = new Emitter<CallTransportEvents>();
	readonly #options: LivekitTransportOptions;
	readonly #room: Room;
	#local: MediaStream | null = null;
	#screen: MediaStream | null = null;
	#ownsScreen = false;
	#closed = false;

	constructor(options: LivekitTransportOptions) {
		this.#options = options;
		this.#room = new Room({
			adaptiveStream: true,
			dynacast: true,
			...(options.e2eeKey
				? { e2ee: { keyProvider: new ExternalE2EEKeyProvider(), worker: new Worker(new URL('livekit-client/e2ee-worker', import.meta.url), { type: 'module' }) } }
				: {})
		});
		const room = this.#room;
		room.on(RoomEvent.TrackSubscribed, (track, _publication, participant) => {
			const stream = track.mediaStream ?? new MediaStream([track.mediaStreamTrack]);
			const kind = track.kind === Track.Kind.Audio ? 'audio' : 'video';
			this.#events.emit('remote-track', { participantId: participant.identity, track: track.mediaStreamTrack, stream, kind, source: sourceOf(track) });
		});
		room.on(RoomEvent.TrackUnsubscribed, (track, _publication, participant) => {
			this.#events.emit('remote-track-removed', { participantId: participant.identity, trackId: track.mediaStreamTrack.id });
		});
		room.on(RoomEvent.ParticipantDisconnected, (participant) => this.#events.emit('participant-left', { participantId: participant.identity }));
		room.on(RoomEvent.ConnectionQualityChanged, (quality: ConnectionQuality, participant: Participant) => {
			const mapped = qualityOf[quality];
			if (!mapped) return;
			const participantId = participant.identity === room.localParticipant.identity ? 'self' : participant.identity;
			this.#events.emit('quality', { participantId, quality: mapped });
		});
		room.on(RoomEvent.Reconnecting, () => this.#events.emit('state', 'reconnecting'));
		room.on(RoomEvent.SignalReconnecting, () => this.#events.emit('state', 'reconnecting'));
		room.on(RoomEvent.Reconnected, () => this.#events.emit('state', 'connected'));
		room.on(RoomEvent.Disconnected, () => this.#events.emit('state', 'disconnected'));
	}

	on<K extends keyof CallTransportEvents>(event: K, handler: (payload: CallTransportEvents[K]) => void): () => void {
		return this.#events.on(event, handler);
	}

	async connect(local: MediaStream): Promise<void> {
		if (this.#closed) throw new Error('This call has been closed.');
		this.#local = local;
		this.#events.emit('state', 'connecting');
		const e2ee = this.#room.options.e2ee;
		if (this.#options.e2eeKey && e2ee && 'keyProvider' in e2ee) {
			// 32 random bytes as an ArrayBuffer: LiveKit derives the frame key with HKDF.
			await (e2ee.keyProvider as ExternalE2EEKeyProvider).setKey(this.#options.e2eeKey.slice().buffer);
			await this.#room.setE2EEEnabled(true);
		}
		await this.#room.connect(this.#options.url, this.#options.token);
		for (const track of local.getTracks()) {
			await this.#room.localParticipant.publishTrack(track, { source: track.kind === 'audio' ? Track.Source.Microphone : Track.Source.Camera });
		}
		this.#events.emit('state', 'connected');
	}

	setMicrophoneEnabled(enabled: boolean): void {
		for (const track of this.#local?.getAudioTracks() ?? []) track.enabled = enabled;
		const publication = this.#room.localParticipant.getTrackPublication(Track.Source.Microphone);
		if (publication?.track) void (enabled ? publication.track.unmute() : publication.track.mute());
	}

	setCameraEnabled(enabled: boolean): void {
		for (const track of this.#local?.getVideoTracks() ?? []) track.enabled = enabled;
		const publication = this.#room.localParticipant.getTrackPublication(Track.Source.Camera);
		if (publication?.track) void (enabled ? publication.track.unmute() : publication.track.mute());
	}

	async startScreenShare(source?: MediaStream): Promise<MediaStream> {
		if (this.#screen) return this.#screen;
		const stream = source ?? (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }));
		this.#ownsScreen = !source;
		this.#screen = stream;
		for (const track of stream.getVideoTracks()) {
			track.addEventListener('ended', () => this.#screen === stream && this.stopScreenShare());
			await this.#room.localParticipant.publishTrack(track, { source: Track.Source.ScreenShare });
		}
		return stream;
	}

	stopScreenShare(): void {
		const stream = this.#screen;
		if (!stream) return;
		this.#screen = null;
		for (const track of stream.getVideoTracks()) void this.#room.localParticipant.unpublishTrack(track, this.#ownsScreen);
	}

	async stats(): Promise<CallStats> {
		const participants = await Promise.all(
			[...this.#room.remoteParticipants.values()].map(async (participant) => {
				const entries: StatsEntry[] = [];
				for (const publication of participant.trackPublications.values()) {
					const report = await publication.track?.getRTCStatsReport();
					if (report) entries.push(...(report.values() as Iterable<StatsEntry>));
				}
				return participantStats(participant.identity, null, sampleFromStats(entries));
			})
		);
		return { participants };
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.stopScreenShare();
		void this.#room.disconnect(false);
		this.#events.clear();
	}
}
