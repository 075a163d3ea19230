/**
 * Connection quality from WebRTC statistics, as pure functions over plain stat entries so they
 * are tested without a browser. Used by the peer-to-peer transport (getStats per peer
 * connection); the LiveKit transport maps LiveKit's own ConnectionQuality instead.
 */
import type { CallParticipantStats, Quality } from './call-transport';

/** One entry of an RTCStatsReport (only the fields read here). */
export interface StatsEntry {
	id?: string;
	type: string;
	[field: string]: unknown;
}

/** What one peer connection's report says, summed over its streams. */
export interface LinkSample {
	/** Round trip of the selected candidate pair, in ms (null: not measured yet). */
	roundTripMs: number | null;
	packetsLost: number;
	packetsReceived: number;
	framesDecoded: number;
	framesReceived: number;
	bytesReceived: number;
	/** Our uplink as the other side reports it (remote-inbound-rtp): worst fraction lost and RTT. */
	uplinkRoundTripMs: number | null;
	uplinkFractionLost: number | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function sampleFromStats(report: Iterable<StatsEntry>): LinkSample {
	const entries = [...report];
	const byId = new Map(entries.filter((e) => e.id).map((e) => [e.id as string, e]));
	// The selected pair: named by the transport entry when the browser says so, else the nominated succeeded pair.
	const transport = entries.find((e) => e.type === 'transport' && typeof e.selectedCandidatePairId === 'string');
	const pair =
		(transport ? byId.get(transport.selectedCandidatePairId as string) : undefined) ??
		entries.find((e) => e.type === 'candidate-pair' && e.nominated === true && e.state === 'succeeded');
	const pairRtt = num(pair?.currentRoundTripTime);
	const sample: LinkSample = {
		roundTripMs: pairRtt === null ? null : Math.round(pairRtt * 1000),
		packetsLost: 0,
		packetsReceived: 0,
		framesDecoded: 0,
		framesReceived: 0,
		bytesReceived: 0,
		uplinkRoundTripMs: null,
		uplinkFractionLost: null
	};
	for (const entry of entries) {
		if (entry.type === 'inbound-rtp') {
			sample.packetsLost += Math.max(0, num(entry.packetsLost) ?? 0);
			sample.packetsReceived += num(entry.packetsReceived) ?? 0;
			sample.bytesReceived += num(entry.bytesReceived) ?? 0;
			if (entry.kind === 'video') {
				sample.framesDecoded += num(entry.framesDecoded) ?? 0;
				sample.framesReceived += num(entry.framesReceived) ?? 0;
			}
		} else if (entry.type === 'remote-inbound-rtp') {
			const rtt = num(entry.roundTripTime);
			const lost = num(entry.fractionLost);
			if (rtt !== null) sample.uplinkRoundTripMs = Math.max(sample.uplinkRoundTripMs ?? 0, Math.round(rtt * 1000));
			if (lost !== null) sample.uplinkFractionLost = Math.max(sample.uplinkFractionLost ?? 0, lost);
		}
	}
	return sample;
}

/** Packets lost over packets expected between two samples (cumulative counters); null without traffic. */
export function lossRatioBetween(previous: LinkSample | null, current: LinkSample): number | null {
	const lost = current.packetsLost - (previous?.packetsLost ?? 0);
	const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
	// Counters restart with a new peer connection: a negative delta means "no comparable previous".
	if (lost < 0 || received < 0) return lossRatioBetween(null, current);
	const expected = lost + received;
	return expected > 0 ? lost / expected : null;
}

export const QUALITY_THRESHOLDS = {
	fair: { roundTripMs: 250, lossRatio: 0.03 },
	poor: { roundTripMs: 500, lossRatio: 0.1 }
} as const;

/**
 * The indicator's verdict. `connected` false (ICE disconnected or failed, or no media for a
 * while) is 'lost'; otherwise the worse of round trip and loss decides.
 */
export function qualityFrom(input: { connected: boolean; roundTripMs: number | null; lossRatio: number | null }): Quality {
	if (!input.connected) return 'lost';
	const rtt = input.roundTripMs ?? 0;
	const loss = input.lossRatio ?? 0;
	if (rtt > QUALITY_THRESHOLDS.poor.roundTripMs || loss > QUALITY_THRESHOLDS.poor.lossRatio) return 'poor';
	if (rtt > QUALITY_THRESHOLDS.fair.roundTripMs || loss > QUALITY_THRESHOLDS.fair.lossRatio) return 'fair';
	return 'good';
}

const rank: Record<Quality, number> = { good: 0, fair: 1, poor: 2, lost: 3 };

export function worstQuality(qualities: Quality[]): Quality {
	return qualities.reduce<Quality>((worst, q) => (rank[q] > rank[worst] ? q : worst), 'good');
}

export function participantStats(participantId: string, previous: LinkSample | null, current: LinkSample): CallParticipantStats {
	return {
		participantId,
		framesDecoded: current.framesDecoded,
		framesReceived: current.framesReceived,
		bytesReceived: current.bytesReceived,
		roundTripMs: current.roundTripMs,
		packetsLostRatio: lossRatioBetween(previous, current)
	};
}
