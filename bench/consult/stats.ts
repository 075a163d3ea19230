import { percentile } from '../collab/stats';

export interface Summary {
	runs: number;
	p50Ms: number;
	p95Ms: number;
	minMs: number;
	maxMs: number;
}

/** p50/p95 (nearest rank, the collaboration benchmark's percentile), min and max, in whole ms. */
export function summarize(values: readonly number[]): Summary {
	const sorted = [...values].sort((a, b) => a - b);
	const round = (n: number) => Math.round(n);
	return {
		runs: sorted.length,
		p50Ms: round(percentile(sorted, 50)),
		p95Ms: round(percentile(sorted, 95)),
		minMs: round(sorted[0] ?? Number.NaN),
		maxMs: round(sorted.at(-1) ?? Number.NaN)
	};
}
