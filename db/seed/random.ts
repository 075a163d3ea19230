import { Faker, base, en, en_US } from '@faker-js/faker';

/**
 * Seeded draws for the synthetic clinic. Every generator takes one of these instead of the
 * global `faker`, so a seed always yields the same clinic no matter what else ran first in
 * the process (the global instance is shared with whoever imports it).
 */
export class SeededRandom {
	readonly faker: Faker;

	constructor(seed: number) {
		this.faker = new Faker({ locale: [en_US, en, base] });
		this.faker.seed(seed);
	}

	/** Uniform in [0, 1). */
	next(): number {
		return this.faker.number.float({ min: 0, max: 1 });
	}

	int(min: number, max: number): number {
		return this.faker.number.int({ min, max });
	}

	between(min: number, max: number): number {
		return min + (max - min) * this.next();
	}

	chance(probability: number): boolean {
		return this.next() < probability;
	}

	/** Normal draw (Box–Muller): body measures and lab values cluster, they are not uniform. */
	normal(mean: number, sd: number): number {
		const u = Math.max(this.next(), Number.EPSILON);
		const v = this.next();
		return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new Error('pick() from an empty list');
		return items[this.int(0, items.length - 1)] as T;
	}

	weighted<T>(items: readonly (readonly [T, number])[]): T {
		const total = items.reduce((sum, [, weight]) => sum + weight, 0);
		let ticket = this.next() * total;
		for (const [value, weight] of items) {
			ticket -= weight;
			if (ticket < 0) return value;
		}
		return items[items.length - 1]![0];
	}

	uuid(): string {
		return this.faker.string.uuid();
	}
}

/** Rounds to `digits` decimals, as a device or a lab would report the value. */
export function round(value: number, digits = 0): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

export function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}
