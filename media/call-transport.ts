/**
 * The one interface of a call's media, whatever carries it: a peer-to-peer mesh of
 * RTCPeerConnections (signaling over socket.io, the embedded default) or a LiveKit room (when the
 * server has LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET). The UI only knows this file.
 *
 * Browser-only at run time; server code imports the types alone. Relative imports only: the app
 * reaches this folder as `$media/...`, the server and tests by relative path.
 */
import type { MediaAccess, SignalPayload } from '../app/lib/realtime/consult-events';
import { P2PTransport } from './p2p/p2p-transport';
import { LazyLivekitTransport } from './livekit/lazy-transport';

export type { MediaAccess, SignalPayload };

export type CallSource = 'camera' | 'microphone' | 'screen';
export type Quality = 'good' | 'fair' | 'poor' | 'lost';

export interface RemoteTrackEvent {
	participantId: string;
	track: MediaStreamTrack;
	stream: MediaStream;
	kind: 'audio' | 'video';
	source: CallSource;
}

export type CallState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface CallTransportEvents {
	'remote-track': RemoteTrackEvent;
	'remote-track-removed': { participantId: string; trackId: string };
	'participant-left': { participantId: string };
	/** participantId 'self' is our own uplink. */
	quality: { participantId: string; quality: Quality };
	state: CallState;
}

export interface CallParticipantStats {
	participantId: string;
	framesDecoded: number;
	framesReceived: number;
	bytesReceived: number;
	roundTripMs: number | null;
	packetsLostRatio: number | null;
}

export interface CallStats {
	participants: CallParticipantStats[];
}

export interface CallTransport {
	readonly kind: 'p2p' | 'livekit';
	/** Start sending `local` (camera + microphone, either may be missing) and receiving the others. */
	connect(local: MediaStream): Promise<void>;
	setMicrophoneEnabled(enabled: boolean): void;
	setCameraEnabled(enabled: boolean): void;
	/**
	 * Share the screen as an extra video track. Without `source` it asks the browser
	 * (getDisplayMedia); a caller may pass a stream of its own (a canvas capture, a test source).
	 * Resolves with the shared stream; the share ends by itself when its track ends.
	 */
	startScreenShare(source?: MediaStream): Promise<MediaStream>;
	stopScreenShare(): void;
	on<K extends keyof CallTransportEvents>(event: K, handler: (payload: CallTransportEvents[K]) => void): () => void;
	stats(): Promise<CallStats>;
	close(): void;
}

/** The UI implements it over socket.io (`consult:signal`); only the peer-to-peer transport uses it. */
export interface SignalingPort {
	/** Our participantId. */
	selfId: string;
	send(to: string, signal: SignalPayload): void;
	onSignal(handler: (from: string, signal: SignalPayload) => void): () => void;
	/** Admitted and online others, on every roster change (and once at subscription if known). */
	onPeers(handler: (peerIds: string[]) => void): () => void;
}

export interface CreateCallTransportOptions {
	media: MediaAccess;
	signaling: SignalingPort;
	/** The call key (32 bytes) shared over the encrypted channel: LiveKit's end-to-end media key. */
	e2eeKey?: Uint8Array;
}

export function createCallTransport(options: CreateCallTransportOptions): CallTransport {
	if (options.media.transport === 'livekit') {
		return new LazyLivekitTransport({ url: options.media.url, token: options.media.token, e2eeKey: options.e2eeKey });
	}
	return new P2PTransport({ iceServers: options.media.iceServers, signaling: options.signaling });
}
