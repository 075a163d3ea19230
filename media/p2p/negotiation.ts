/**
 * The pure rules of the peer-to-peer mesh, kept apart from RTCPeerConnection so they are tested
 * in Node: who is polite, which peers we connect to, how to tell a remote's new peer connection
 * from a renegotiation of the old one, and what a remote track is.
 */
import type { CallSource } from '../call-transport';

/** At most 4 people in a peer-to-peer call: ourselves and 3 others (each peer sends to each). */
export const MAX_P2P_PEERS = 3;

/**
 * Perfect negotiation needs exactly one polite side per pair (it yields on offer collisions).
 * The lower participantId is polite: both sides compute the same answer without talking.
 */
export function isPolite(selfId: string, peerId: string): boolean {
	return selfId < peerId;
}

/** The peers to keep a connection with: others only, no duplicates, first MAX_P2P_PEERS by id. */
export function meshPeers(selfId: string, peerIds: readonly string[]): string[] {
	return [...new Set(peerIds)].filter((id) => id && id !== selfId).sort().slice(0, MAX_P2P_PEERS);
}

/**
 * The DTLS fingerprint of a session description. Every RTCPeerConnection has its own certificate,
 * so an offer with a different fingerprint comes from a new peer connection on the other side
 * (it reloaded or rebuilt after a drop): ours must be rebuilt too rather than renegotiated.
 */
export function sdpFingerprint(sdp: string): string | null {
	const match = /^a=fingerprint:(\S+ \S+)\s*$/m.exec(sdp);
	return match ? match[1]!.toLowerCase() : null;
}

export function isFromNewPeerConnection(previousRemoteSdp: string | null | undefined, incomingSdp: string): boolean {
	if (!previousRemoteSdp) return false;
	const before = sdpFingerprint(previousRemoteSdp);
	const now = sdpFingerprint(incomingSdp);
	return before !== null && now !== null && before !== now;
}

/**
 * What a remote track is. The sender announces its screen stream ({ type: 'media-info' }); until
 * that arrives (the relay may reorder), a video track in a stream other than the peer's first
 * (camera) stream is taken for a screen share.
 */
export function trackSource(input: { kind: 'audio' | 'video'; streamId: string; screenStreamId: string | null; cameraStreamId: string | null }): CallSource {
	if (input.screenStreamId !== null && input.streamId === input.screenStreamId) return 'screen';
	if (input.kind === 'audio') return 'microphone';
	if (input.cameraStreamId !== null && input.streamId !== input.cameraStreamId) return 'screen';
	return 'camera';
}

/**
 * The call's overall state from its links: alone or all up → connected; a link that was up and
 * is not now → reconnecting; links that never came up (and none up) → connecting.
 */
export function callStateFrom(links: { everConnected: boolean; connected: boolean }[], closed: boolean): 'connecting' | 'connected' | 'reconnecting' | 'disconnected' {
	if (closed) return 'disconnected';
	if (links.some((l) => l.everConnected && !l.connected)) return 'reconnecting';
	if (links.length > 0 && !links.some((l) => l.connected)) return 'connecting';
	return 'connected';
}
