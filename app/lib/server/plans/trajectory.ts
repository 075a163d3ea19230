/**
 * Where a goal's measure should be on a given day, and whether the patient's readings are
 * falling behind that path.
 */

export type GoalDirection = 'decrease' | 'increase' | 'maintain';

export interface PlanGoal {
	id: string;
	description: string;
	/** 'systolic_bp', 'diastolic_bp', 'glucose', 'pain_score', 'weight' or free text. */
	measure: string;
	unit: string;
	baseline: number | null;
	target: number;
	direction: GoalDirection;
	/** 'YYYY-MM-DD'. */
	targetDate: string;
}

export interface TrajectoryPoint {
	/** Milliseconds since the epoch (charts plot instants). */
	at: number;
	value: number;
}

export interface Trajectory {
	/** The straight line the chart draws: from the start to the target date. */
	points: [TrajectoryPoint, TrajectoryPoint];
	/** The expected value at an instant, or null where the plan sets none. */
	valueAt(at: number): number | null;
}

const day = (date: string) => Date.parse(`${date}T00:00:00Z`);

/**
 * The expected path of a goal: a straight line from the baseline on the plan's start date to
 * the target on the goal's target date, and the target after it. A 'maintain' goal expects the
 * target throughout. Without a baseline there is no path to draw before the target date (the
 * plan did not say where the patient started); from then on the target is expected.
 * Dates are read as midnight UTC: a few hours either way do not matter over weeks.
 */
export function expectedTrajectory(goal: PlanGoal, startDate: string): Trajectory | null {
	const start = day(startDate);
	const end = day(goal.targetDate);
	if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
	if (goal.direction === 'maintain') {
		return { points: [{ at: start, value: goal.target }, { at: Math.max(end, start), value: goal.target }], valueAt: (at) => (at >= start ? goal.target : null) };
	}
	if (goal.baseline === null) {
		return { points: [{ at: end, value: goal.target }, { at: end, value: goal.target }], valueAt: (at) => (at >= end ? goal.target : null) };
	}
	const baseline = goal.baseline;
	if (end <= start) {
		return { points: [{ at: start, value: goal.target }, { at: start, value: goal.target }], valueAt: (at) => (at >= start ? goal.target : null) };
	}
	return {
		points: [
			{ at: start, value: baseline },
			{ at: end, value: goal.target }
		],
		valueAt: (at) => {
			if (at < start) return null;
			if (at >= end) return goal.target;
			return baseline + ((goal.target - baseline) * (at - start)) / (end - start);
		}
	};
}

export interface GoalReading {
	value: number;
	measuredAt: Date;
}

export interface Deviation {
	/** True when the patient should be told their progress is off the planned path. */
	deviating: boolean;
	/** How many of the latest readings were compared (0 when too few to judge). */
	compared: number;
	/** How far the newest compared reading is on the wrong side of its expected value (0 when on track). */
	latestGap: number;
	/** The allowance before a reading counts as behind. */
	tolerance: number;
}

/** How many of the latest readings must all be behind: one bad morning is not a trend. */
export const deviationWindow = 3;
/** At least this many readings before anything is flagged. */
export const deviationMinimumReadings = 2;

/**
 * The tolerance: a tenth of the planned change (|target − baseline|), and never less than 5 %
 * of the target, so a goal whose planned change is small (or a 'maintain' goal) still allows
 * ordinary day-to-day variation; 0.5 of the unit when both are zero (a pain score kept at 0).
 */
export function deviationTolerance(goal: PlanGoal): number {
	const change = goal.direction === 'maintain' || goal.baseline === null ? 0 : Math.abs(goal.target - goal.baseline);
	const tolerance = Math.max(change * 0.1, Math.abs(goal.target) * 0.05);
	return tolerance > 0 ? tolerance : 0.5;
}

/**
 * The deviation rule: take the latest readings that have an expected value (up to
 * `deviationWindow`, at least `deviationMinimumReadings`); the goal deviates when every one of
 * them is worse than the expected path by more than the tolerance. "Worse" is above the path
 * for a 'decrease' goal, below it for 'increase', and either side of the target for
 * 'maintain'. A single good reading among the latest clears the flag.
 */
export function deviation(goal: PlanGoal, readings: readonly GoalReading[], startDate: string): Deviation {
	const tolerance = deviationTolerance(goal);
	const trajectory = expectedTrajectory(goal, startDate);
	const none: Deviation = { deviating: false, compared: 0, latestGap: 0, tolerance };
	if (!trajectory) return none;
	const judged = [...readings]
		.filter((r) => Number.isFinite(r.value))
		.sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
		.map((r) => ({ value: r.value, expected: trajectory.valueAt(r.measuredAt.getTime()) }))
		.filter((r): r is { value: number; expected: number } => r.expected !== null)
		.slice(-deviationWindow);
	if (judged.length < deviationMinimumReadings) return none;
	const gapOf = (r: { value: number; expected: number }) => {
		switch (goal.direction) {
			case 'decrease':
				return r.value - r.expected;
			case 'increase':
				return r.expected - r.value;
			case 'maintain':
				return Math.abs(r.value - r.expected);
		}
	};
	const gaps = judged.map(gapOf);
	return {
		deviating: gaps.every((gap) => gap > tolerance),
		compared: judged.length,
		latestGap: Math.max(0, gaps[gaps.length - 1]!),
		tolerance
	};
}
