/** Percentiles of a list of milliseconds (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

export interface Summary {
	runs: number;
	p50Ms: number;
	p95Ms: number;
	minMs: number;
	maxMs: number;
}

export function summarize(values: readonly number[]): Summary {
	const round = (n: number) => Math.round(n);
	return { runs: values.length, p50Ms: round(percentile(values, 50)), p95Ms: round(percentile(values, 95)), minMs: round(Math.min(...values)), maxMs: round(Math.max(...values)) };
}
