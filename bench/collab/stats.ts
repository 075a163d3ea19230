/** Percentiles and formatting for the collaboration benchmark. */

export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index]!;
}

export interface LatencySummary {
	samples: number;
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
}

export function summarize(values: number[]): LatencySummary {
	const sorted = [...values].sort((a, b) => a - b);
	return { samples: sorted.length, p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

export function round(value: number, digits = 2): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

export function median(values: number[]): number {
	return percentile([...values].sort((a, b) => a - b), 50);
}
