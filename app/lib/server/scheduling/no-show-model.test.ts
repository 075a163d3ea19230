import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../db/seed/random';
import { fitLogistic, predictProbability, rankAuc, trainOnHistory, visitFeatures, NotEnoughHistory, type LabelledVisit } from './no-show-model';

describe('rankAuc', () => {
	const labels = [0, 0, 1, 0, 1, 1];
	it('is 1 for a scorer that ranks every no-show above every attended visit', () => {
		expect(rankAuc([0.1, 0.2, 0.8, 0.3, 0.9, 0.7], labels)).toBe(1);
	});
	it('is 0 for the inverted scorer', () => {
		expect(rankAuc([0.9, 0.8, 0.2, 0.7, 0.1, 0.3], labels)).toBe(0);
	});
	it('is 0.5 for a scorer that gives everyone the same score (ties count half)', () => {
		expect(rankAuc([0.4, 0.4, 0.4, 0.4, 0.4, 0.4], labels)).toBe(0.5);
	});
	it('counts a tie between a positive and a negative as half a correct pair', () => {
		// Pairs (pos, neg): 2×2 = 4; one tie (0.5), three correct → 3.5 / 4.
		expect(rankAuc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(0.875);
	});
	it('is close to 0.5 for random scores', () => {
		const rng = new SeededRandom(11);
		const n = 4000;
		const auc = rankAuc(
			Array.from({ length: n }, () => rng.next()),
			Array.from({ length: n }, () => (rng.chance(0.2) ? 1 : 0))
		)!;
		expect(Math.abs(auc - 0.5)).toBeLessThan(0.04);
	});
	it('is null when one class is missing', () => {
		expect(rankAuc([0.1, 0.2], [0, 0])).toBeNull();
	});
});

/** Visits whose no-show odds follow a planted rule: long lead times, earlier no-shows and Mondays raise them, a confirmation lowers them. */
function plantedVisits(seed: number, count: number): LabelledVisit[] {
	const rng = new SeededRandom(seed);
	const start = Date.UTC(2025, 0, 1);
	return Array.from({ length: count }, (_, i) => {
		const leadDays = rng.int(0, 60);
		const priorVisits = rng.int(0, 10);
		const priorNoShows = rng.int(0, Math.min(priorVisits, 3));
		const weekday = rng.int(1, 5);
		const confirmed = rng.chance(0.5);
		const logit = -2 + 0.6 * (Math.log1p(leadDays) - 2) + 0.7 * priorNoShows + (weekday === 1 ? 0.6 : 0) + (confirmed ? -1.5 : 0.3);
		const features = visitFeatures({
			leadDays,
			priorVisits,
			priorNoShows,
			age: rng.int(5, 90),
			weekday,
			hour: rng.int(8, 17),
			appointmentTypeId: rng.pick(['a', 'b']),
			reminder: confirmed ? 'confirmed' : 'no_answer'
		});
		return { startsAt: new Date(start + i * 3_600_000), features, noShow: rng.chance(1 / (1 + Math.exp(-logit))) };
	});
}

describe('no-show model', () => {
	it('finds a planted signal: AUC above 0.7 on the newer 20 %', () => {
		const model = trainOnHistory(plantedVisits(3, 2000));
		expect(model.trainCount).toBe(1600);
		expect(model.testCount).toBe(400);
		expect(model.auc).toBeGreaterThan(0.7);
		// The planted directions come back.
		expect(model.parameters.weights.leadTime).toBeGreaterThan(0);
		expect(model.parameters.weights.priorNoShows).toBeGreaterThan(0);
		expect(model.parameters.weights['reminder:confirmed']).toBeLessThan(0);
		expect(model.parameters.weights['weekday:1']).toBeGreaterThan(0);
	});

	it('is deterministic: the same history gives the same weights and AUC', () => {
		const a = trainOnHistory(plantedVisits(5, 600));
		const b = trainOnHistory(plantedVisits(5, 600));
		expect(b).toEqual(a);
	});

	it('finds nothing in noise: AUC near 0.5', () => {
		const rng = new SeededRandom(9);
		const visits = plantedVisits(9, 2000).map((v) => ({ ...v, noShow: rng.chance(0.15) }));
		expect(Math.abs(trainOnHistory(visits).auc - 0.5)).toBeLessThan(0.1);
	});

	it('refuses to train on too little history, in words', () => {
		expect(() => trainOnHistory(plantedVisits(1, 20))).toThrow(NotEnoughHistory);
	});

	it('predicts probabilities between 0 and 1 and ignores features it never saw', () => {
		const parameters = fitLogistic([{ x: 0 }, { x: 1 }, { x: 0 }, { x: 1 }], [0, 1, 0, 1], ['x']);
		const high = predictProbability(parameters, { x: 1, unseen: 5 });
		const low = predictProbability(parameters, { x: 0 });
		expect(high).toBeGreaterThan(low);
		expect(high).toBeLessThan(1);
		expect(low).toBeGreaterThan(0);
	});
});
