import { describe, expect, it } from 'vitest';
import { deviation, deviationTolerance, expectedTrajectory, type PlanGoal } from './trajectory';

const bloodPressure: PlanGoal = {
	id: 'g1',
	description: 'Lower systolic blood pressure',
	measure: 'systolic_bp',
	unit: 'mmHg',
	baseline: 150,
	target: 130,
	direction: 'decrease',
	targetDate: '2026-03-21'
};
const start = '2026-03-01';
const at = (date: string) => new Date(`${date}T00:00:00Z`);

describe('expectedTrajectory', () => {
	it('runs straight from the baseline at the start to the target on the target date, then stays there', () => {
		const path = expectedTrajectory(bloodPressure, start)!;
		expect(path.points).toEqual([
			{ at: at(start).getTime(), value: 150 },
			{ at: at('2026-03-21').getTime(), value: 130 }
		]);
		expect(path.valueAt(at('2026-03-11').getTime())).toBe(140);
		expect(path.valueAt(at('2026-04-30').getTime())).toBe(130);
		expect(path.valueAt(at('2026-02-01').getTime())).toBeNull();
	});

	it('expects the target throughout for a maintain goal, and only from the target date without a baseline', () => {
		expect(expectedTrajectory({ ...bloodPressure, direction: 'maintain' }, start)!.valueAt(at('2026-03-02').getTime())).toBe(130);
		const noBaseline = expectedTrajectory({ ...bloodPressure, baseline: null }, start)!;
		expect(noBaseline.valueAt(at('2026-03-10').getTime())).toBeNull();
		expect(noBaseline.valueAt(at('2026-03-22').getTime())).toBe(130);
	});

	it('is null for dates it cannot read', () => {
		expect(expectedTrajectory({ ...bloodPressure, targetDate: 'soon' }, start)).toBeNull();
	});
});

describe('deviation', () => {
	const reading = (date: string, value: number) => ({ value, measuredAt: at(date) });

	it('flags a decrease goal when the latest readings all sit above the path by more than the tolerance', () => {
		// Expected 140 on 11 March, 139 on 12 March, 138 on 13 March; tolerance 6.5 mmHg (5 % of the target beats a tenth of the 20 mmHg change).
		expect(deviationTolerance(bloodPressure)).toBe(6.5);
		const result = deviation(bloodPressure, [reading('2026-03-11', 149), reading('2026-03-12', 148), reading('2026-03-13', 150)], start);
		expect(result.deviating).toBe(true);
		expect(result.compared).toBe(3);
		expect(result.latestGap).toBe(12);
	});

	it('does not flag when one of the latest readings is on track, or when readings are better than the path', () => {
		expect(deviation(bloodPressure, [reading('2026-03-11', 149), reading('2026-03-12', 141), reading('2026-03-13', 150)], start).deviating).toBe(false);
		expect(deviation(bloodPressure, [reading('2026-03-11', 120), reading('2026-03-12', 121)], start).deviating).toBe(false);
	});

	it('judges only the latest readings: an old bad stretch followed by good readings is not flagged', () => {
		const readings = [reading('2026-03-02', 160), reading('2026-03-03', 160), reading('2026-03-04', 160), reading('2026-03-20', 131), reading('2026-03-21', 130), reading('2026-03-22', 129)];
		expect(deviation(bloodPressure, readings, start).deviating).toBe(false);
	});

	it('needs at least two readings to judge', () => {
		const result = deviation(bloodPressure, [reading('2026-03-13', 170)], start);
		expect(result).toMatchObject({ deviating: false, compared: 0 });
	});

	it('flags an increase goal below the path and a maintain goal on either side', () => {
		const walking: PlanGoal = { ...bloodPressure, measure: 'steps', unit: 'steps', baseline: 2000, target: 6000, direction: 'increase' };
		expect(deviation(walking, [reading('2026-03-20', 3000), reading('2026-03-21', 3100)], start).deviating).toBe(true);
		const weight: PlanGoal = { ...bloodPressure, measure: 'weight', unit: 'kg', baseline: 80, target: 80, direction: 'maintain' };
		expect(deviation(weight, [reading('2026-03-05', 70), reading('2026-03-06', 90)], start).deviating).toBe(true);
		expect(deviation(weight, [reading('2026-03-05', 81), reading('2026-03-06', 79)], start).deviating).toBe(false);
	});

	it('allows half a unit when the target and the planned change are both zero', () => {
		const pain: PlanGoal = { ...bloodPressure, measure: 'pain_score', unit: '', baseline: 0, target: 0, direction: 'maintain' };
		expect(deviationTolerance(pain)).toBe(0.5);
	});
});
