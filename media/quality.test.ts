import { describe, expect, it } from 'vitest';
import { lossRatioBetween, participantStats, qualityFrom, sampleFromStats, worstQuality, type StatsEntry } from './quality';

/** The shape of a Chromium RTCStatsReport, trimmed to what the transport reads. */
function report(input: { rtt: number; lost: number; received: number; frames: number; uplinkRtt?: number; uplinkLost?: number }): StatsEntry[] {
	return [
		{ id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
		{ id: 'CP0', type: 'candidate-pair', nominated: false, state: 'failed', currentRoundTripTime: 9 },
		{ id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: input.rtt },
		{ id: 'IV', type: 'inbound-rtp', kind: 'video', packetsLost: input.lost, packetsReceived: input.received, framesDecoded: input.frames, framesReceived: input.frames + 1, bytesReceived: 1000 },
		{ id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsLost: 0, packetsReceived: 50, bytesReceived: 200 },
		{ id: 'RI', type: 'remote-inbound-rtp', kind: 'video', roundTripTime: input.uplinkRtt ?? input.rtt, fractionLost: input.uplinkLost ?? 0 }
	];
}

describe('stats → sample', () => {
	it('reads the selected pair round trip and sums inbound streams', () => {
		const sample = sampleFromStats(report({ rtt: 0.042, lost: 3, received: 97, frames: 120 }));
		expect(sample).toMatchObject({ roundTripMs: 42, packetsLost: 3, packetsReceived: 147, framesDecoded: 120, framesReceived: 121, bytesReceived: 1200, uplinkRoundTripMs: 42, uplinkFractionLost: 0 });
	});

	it('falls back to the nominated succeeded pair when no transport names one, and to null without any', () => {
		const withoutTransport = report({ rtt: 0.1, lost: 0, received: 10, frames: 1 }).filter((e) => e.type !== 'transport');
		expect(sampleFromStats(withoutTransport).roundTripMs).toBe(100);
		expect(sampleFromStats([{ type: 'inbound-rtp', kind: 'video', packetsReceived: 5 }]).roundTripMs).toBeNull();
	});

	it('computes loss between two samples from cumulative counters, and survives counters that restart', () => {
		const first = sampleFromStats(report({ rtt: 0.05, lost: 0, received: 100, frames: 10 }));
		const second = sampleFromStats(report({ rtt: 0.05, lost: 20, received: 180, frames: 20 }));
		expect(lossRatioBetween(first, second)).toBeCloseTo(20 / 100);
		expect(lossRatioBetween(second, first)).toBeCloseTo(0);
		const idle = sampleFromStats([]);
		expect(lossRatioBetween(idle, idle)).toBeNull();
		expect(participantStats('p1', first, second)).toMatchObject({ participantId: 'p1', framesDecoded: 20, roundTripMs: 50 });
	});
});

describe('quality verdict', () => {
	it('grades by the worse of round trip and loss, and lost when not connected', () => {
		expect(qualityFrom({ connected: true, roundTripMs: 40, lossRatio: 0 })).toBe('good');
		expect(qualityFrom({ connected: true, roundTripMs: null, lossRatio: null })).toBe('good');
		expect(qualityFrom({ connected: true, roundTripMs: 300, lossRatio: 0 })).toBe('fair');
		expect(qualityFrom({ connected: true, roundTripMs: 40, lossRatio: 0.05 })).toBe('fair');
		expect(qualityFrom({ connected: true, roundTripMs: 600, lossRatio: 0 })).toBe('poor');
		expect(qualityFrom({ connected: true, roundTripMs: 40, lossRatio: 0.2 })).toBe('poor');
		expect(qualityFrom({ connected: false, roundTripMs: 10, lossRatio: 0 })).toBe('lost');
		expect(worstQuality(['good', 'poor', 'fair'])).toBe('poor');
		expect(worstQuality([])).toBe('good');
	});
});
