/**
 * socket.io events of video consults (issue 7), merged into the maps of events.ts. Handlers:
 * server/consult-handlers.ts, which stay thin and call app/lib/server/consults/*.
 *
 * Rooms (server side only):
 *  - `consult:<consultId>:staff`      clinicians in the consult (host and others): the full queue
 *  - `consult:<consultId>:call`       everyone admitted (staff and patient side): roster, chat, view, recording
 *  - `consult:<consultId>:p:<participantId>`  one participant (a waiting patient hears only of themselves)
 * A waiting patient is only in their own participant room: patients never see or reach each
 * other. Signaling, keys and chat are relayed only between admitted participants of one consult.
 *
 * Media keys: the host's browser makes the call key (32 random bytes); every participant
 * publishes an ephemeral X25519 public key on `consult:enter`; the host seals the call key to
 * each admitted participant (crypto_box_seal) and sends it with `consult:key`. The server
 * relays sealed boxes and chat ciphertext and never holds the key. Chat is secretbox under the
 * call key. LiveKit's end-to-end media encryption uses the same key.
 */
import type { Ack } from './events';

export type ConsultParticipantRoleView = 'host' | 'clinician' | 'patient' | 'proxy';

/** Someone in the call, as the others in the call see them. */
export interface CallParticipant {
	participantId: string;
	userId: string;
	displayName: string;
	role: ConsultParticipantRoleView;
	/** Base64 (libsodium ORIGINAL) X25519 public key of this browser session, for the sealed call key. */
	publicKey: string | null;
	/** Is their socket connected now (in the call room)? */
	online: boolean;
}

/** Someone in the waiting room, as clinicians see them. */
export interface WaitingPatient {
	participantId: string;
	userId: string;
	displayName: string;
	role: 'patient' | 'proxy';
	waitingSince: string;
	position: number;
	/** The device check's verdict the patient reported: 'good' | 'fair' | 'poor' | null when skipped. */
	deviceCheck: DeviceCheckVerdict | null;
	online: boolean;
}

export type DeviceCheckVerdict = 'good' | 'fair' | 'poor';

export type ConsultStatusView = 'open' | 'in_progress' | 'ended';

/** What a participant knows of the consult. Waiting patients get `you` and the status only. */
export interface ConsultState {
	consultId: string;
	status: ConsultStatusView;
	transport: 'p2p' | 'livekit';
	you: {
		participantId: string;
		role: ConsultParticipantRoleView;
		status: 'waiting' | 'admitted' | 'declined' | 'left' | 'removed';
		/** 1-based place in the waiting room while waiting; null otherwise. */
		position: number | null;
		/** People waiting in total (a number only: no names), while waiting; null otherwise. */
		waitingCount: number | null;
	};
	/** Admitted participants; empty for someone still waiting. */
	inCall: CallParticipant[];
	/** The waiting room; only clinicians get it, empty for everyone else. */
	waiting: WaitingPatient[];
	capacity: number;
	/** The report currently shown in the call, if any (everyone admitted sees the same page). */
	view: SharedView | null;
	recording: RecordingStateView;
}

export interface SharedView {
	documentId: string;
	title: string;
	contentType: string;
	page: number;
	sharedBy: string;
}

export interface RecordingStateView {
	/** Whether the clinic offers recording at all. */
	enabled: boolean;
	/** Current decision of everyone admitted: userId → granted. Absent = not asked / no answer. */
	consents: Record<string, boolean>;
	/** True once every admitted participant has granted. */
	everyoneConsented: boolean;
	active: { recordingId: string; startedAt: string } | null;
}

/** WebRTC signaling, relayed unchanged to one admitted participant of the same consult. */
export type SignalPayload =
	| { type: 'offer' | 'answer'; sdp: string }
	| { type: 'candidate'; candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null } | null }
	/** Ask the receiver to (re)start negotiation with the sender (after a reconnect). */
	| { type: 'restart' }
	/** Which of the sender's streams is a screen share (null: none), so the receiver can label it. */
	| { type: 'media-info'; screenStreamId: string | null };

/** How the browser reaches the media: peer-to-peer (ICE servers) or LiveKit (URL and a token for this room only). */
export type MediaAccess =
	| { transport: 'p2p'; iceServers: { urls: string | string[]; username?: string; credential?: string }[] }
	| { transport: 'livekit'; url: string; token: string };

export interface ConsultServerToClientEvents {
	/** Full state for this recipient, on every change (waiting room, admission, roster, view, recording). */
	'consult:state': (payload: ConsultState) => void;
	/** A clinician's message to this waiting patient. */
	'consult:waiting-message': (payload: { consultId: string; from: string; text: string; at: string }) => void;
	'consult:signal': (payload: { consultId: string; from: string; signal: SignalPayload }) => void;
	/** The call key sealed to this participant's public key by the host. */
	'consult:key': (payload: { consultId: string; from: string; sealed: string }) => void;
	/** In-call chat, secretbox ciphertext under the call key (base64). */
	'consult:chat': (payload: { consultId: string; from: string; fromName: string; nonce: string; ciphertext: string; at: string }) => void;
	/** The consult ended (host ended it), or this participant was removed/declined. */
	'consult:closed': (payload: { consultId: string; reason: string }) => void;
}

export interface ConsultClientToServerEvents {
	/**
	 * Enter a consult. A patient or proxy goes to the waiting room (or back to the call if already
	 * admitted); a clinician allowed to host goes straight into the call. `publicKey` is this
	 * browser session's X25519 key for the sealed call key.
	 */
	'consult:enter': (payload: { consultId: string; publicKey: string; deviceCheck?: DeviceCheckVerdict | null }, ack: (reply: Ack<{ state: ConsultState }>) => void) => void;
	'consult:leave': (payload: { consultId: string }, ack?: (reply: Ack) => void) => void;
	/** Clinicians: admit a waiting patient (refused past the call's capacity). */
	'consult:admit': (payload: { consultId: string; participantId: string }, ack: (reply: Ack) => void) => void;
	/** Clinicians: turn a waiting patient away, with a sentence they will read. */
	'consult:decline': (payload: { consultId: string; participantId: string; message: string }, ack: (reply: Ack) => void) => void;
	/** Clinicians: a short message to one waiting patient ("Running 5 minutes late"). */
	'consult:message-waiting': (payload: { consultId: string; participantId: string; text: string }, ack: (reply: Ack) => void) => void;
	/** The media layer's access for this admitted participant (a LiveKit token is minted here). */
	'consult:media': (payload: { consultId: string }, ack: (reply: Ack<{ media: MediaAccess }>) => void) => void;
	'consult:signal': (payload: { consultId: string; to: string; signal: SignalPayload }, ack?: (reply: Ack) => void) => void;
	'consult:key': (payload: { consultId: string; to: string; sealed: string }, ack?: (reply: Ack) => void) => void;
	'consult:chat': (payload: { consultId: string; nonce: string; ciphertext: string }, ack: (reply: Ack) => void) => void;
	/** Clinicians: show a shared report (or null to stop) at a page to everyone in the call. */
	'consult:view': (payload: { consultId: string; documentId: string | null; page: number }, ack: (reply: Ack) => void) => void;
	/** Anyone admitted: grant or withdraw consent to recording (a withdrawal stops a recording at once). */
	'consult:recording-consent': (payload: { consultId: string; granted: boolean }, ack: (reply: Ack) => void) => void;
	/** Host: start recording (refused unless everyone admitted consented) or stop it. */
	'consult:recording': (payload: { consultId: string; action: 'start' | 'stop' }, ack: (reply: Ack<{ recordingId?: string }>) => void) => void;
	/** Host: end the consult for everyone. */
	'consult:end': (payload: { consultId: string }, ack: (reply: Ack) => void) => void;
}

export const consultClientEventNames = [
	'consult:enter',
	'consult:leave',
	'consult:admit',
	'consult:decline',
	'consult:message-waiting',
	'consult:media',
	'consult:signal',
	'consult:key',
	'consult:chat',
	'consult:view',
	'consult:recording-consent',
	'consult:recording',
	'consult:end'
] as const satisfies readonly (keyof ConsultClientToServerEvents)[];

export const consultStaffRoom = (consultId: string) => `consult:${consultId}:staff`;
export const consultCallRoom = (consultId: string) => `consult:${consultId}:call`;
export const consultParticipantRoom = (consultId: string, participantId: string) => `consult:${consultId}:p:${participantId}`;
